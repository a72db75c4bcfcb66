import { Module } from '@nestjs/common';
import { ModelsController } from './controller/models.controller.js';
import { LlmFacade } from './llm.facade.js';
import { modelCatalogProvider } from './repository/model-catalog.file.js';
import { ModelServer } from './service/model-server.js';

@Module({
  controllers: [ModelsController],
  providers: [modelCatalogProvider, ModelServer, LlmFacade],
  exports: [LlmFacade],
})
export class LlmModule {}
