import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../../../libs/auth/auth.decorators.js';
import type { Principal } from '../../../libs/auth/principal.js';
import { UsageFacade } from '../../usage/usage.facade.js';
import { UsersService } from '../service/users.service.js';
import { toUserResponse } from './dto/identity.dto.js';
import { MeResponse } from './dto/identity.responses.js';

@ApiTags('identity')
@ApiBearerAuth()
@Controller('v1/me')
export class MeController {
  constructor(
    private readonly users: UsersService,
    private readonly usage: UsageFacade,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The caller: user, role, plan, limits and usage today and this month' })
  @ApiOkResponse({ type: MeResponse, description: 'the user, the limits of their plan and their usage' })
  async me(@CurrentPrincipal() principal: Principal) {
    const [user, usage, quotas] = await Promise.all([
      this.users.get(principal.userId),
      this.usage.summaryForUser(principal.userId),
      this.usage.quotaStatus(principal),
    ]);
    return {
      ...toUserResponse(user),
      limits: {
        modelTiers: principal.plan.tiers,
        maxContextTokens: principal.plan.maxContextTokens,
        rateLimits: principal.plan.rateLimits,
        tokenQuotas: principal.plan.quotas ?? null,
      },
      usage: { ...usage, quotas },
    };
  }
}
