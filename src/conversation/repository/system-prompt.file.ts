/** System prompt layers that live in a JSON file (GUS_SYSTEM_PROMPTS_FILE, default config/system-prompts.json). */
import { existsSync, readFileSync } from 'node:fs';
import type { Provider } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../../libs/config/app-config.js';

export class SystemPromptCatalog {
  constructor(
    readonly global: string | null,
    private readonly byModel: Record<string, string>,
  ) {}

  forModel(modelId: string): string | null {
    return this.byModel[modelId] ?? null;
  }
}

export const systemPromptCatalogProvider: Provider = {
  provide: SystemPromptCatalog,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig) => {
    if (!existsSync(config.systemPromptsPath)) return new SystemPromptCatalog(null, {});
    const file = JSON.parse(readFileSync(config.systemPromptsPath, 'utf8')) as { global?: string; models?: Record<string, string> };
    return new SystemPromptCatalog(file.global ?? null, file.models ?? {});
  },
};
