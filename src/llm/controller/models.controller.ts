import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../../../libs/auth/auth.decorators.js';
import type { Principal } from '../../../libs/auth/principal.js';
import { ModelCatalog } from '../domain/model-catalog.js';
import { ModelListResponse } from './dto/model.responses.js';

const CREATED = Math.floor(Date.parse('2026-01-01T00:00:00Z') / 1000);

@ApiTags('models')
@ApiBearerAuth()
@Controller('v1/models')
export class ModelsController {
  constructor(private readonly catalog: ModelCatalog) {}

  /** OpenAI's list shape, plus tier, context window and whether the caller's plan allows the model. */
  @Get()
  @ApiOperation({ summary: 'The models the plan of the caller may use, with context windows and prices' })
  @ApiOkResponse({ type: ModelListResponse, description: 'every chat model of the catalogue (guard models are not listed), with whether the plan allows it' })
  list(@CurrentPrincipal() principal: Principal) {
    return {
      object: 'list',
      data: this.catalog.chatModels().map((model) => ({
        id: model.id,
        object: 'model',
        created: CREATED,
        owned_by: model.provider,
        tier: model.tier,
        contextWindow: model.contextWindow ?? null,
        pricePerMillionInput: model.pricePerMillionInput,
        pricePerMillionOutput: model.pricePerMillionOutput,
        allowed: principal.plan.tiers.includes(model.tier),
      })),
    };
  }
}
