/** The plan catalogue lives in a JSON file (GUS_PLANS_FILE, default config/plans.json), read once at start. */
import { readFileSync } from 'node:fs';
import type { Provider } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../../libs/config/app-config.js';
import { PlanCatalog, type Plan } from '../domain/plan-catalog.js';

export const planCatalogProvider: Provider = {
  provide: PlanCatalog,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig) => {
    const file = JSON.parse(readFileSync(config.planCatalogPath, 'utf8')) as { plans: Plan[] };
    return new PlanCatalog(file.plans);
  },
};
