import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../../../libs/auth/auth.decorators.js';
import { UsersService } from '../service/users.service.js';
import { PlanListResponse } from './dto/identity.responses.js';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('v1/admin/plans')
export class AdminPlansController {
  constructor(private readonly users: UsersService) {}

  /** The plans an admin may assign (config/plans.json), with the limits `GET /v1/me` shows for each. */
  @Get()
  @ApiOperation({ summary: 'The plans an admin can assign, with their limits (admin)' })
  @ApiOkResponse({ type: PlanListResponse, description: 'the assignable plans in catalogue order' })
  list() {
    return {
      data: this.users.assignablePlans().map((plan) => ({
        id: plan.id,
        modelTiers: plan.tiers,
        maxContextTokens: plan.maxContextTokens,
        rateLimits: plan.rateLimits,
        tokenQuotas: plan.quotas ?? null,
      })),
    };
  }
}
