/** The model catalogue lives in a JSON file (GUS_MODELS_FILE, default config/models.json), read once at start. */
import { readFileSync } from 'node:fs';
import type { Provider } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../../libs/config/app-config.js';
import { ModelCatalog, type ModelSpec } from '../domain/model-catalog.js';

export const modelCatalogProvider: Provider = {
  provide: ModelCatalog,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig) => {
    const file = JSON.parse(readFileSync(config.modelCatalogPath, 'utf8')) as { defaultModel: string; models: ModelSpec[] };
    return new ModelCatalog(file.models, file.defaultModel);
  },
};
