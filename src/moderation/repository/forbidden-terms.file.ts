/** The forbidden-terms file (GUS_FORBIDDEN_TERMS_FILE, default config/forbidden-terms.json), read once at start. */
import { readFileSync } from 'node:fs';
import type { Provider } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../../libs/config/app-config.js';
import { ForbiddenContent, type ForbiddenTermsConfig } from '../domain/forbidden-content.js';

export const forbiddenContentProvider: Provider = {
  provide: ForbiddenContent,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig) => new ForbiddenContent(readForbiddenTerms(config.forbiddenTermsPath)),
};

/** JSON `{ terms: [...], obscenityWords: [...] | "all" }`, or plain text: one term a line, `#` starts a comment. */
export function readForbiddenTerms(path: string): ForbiddenTermsConfig {
  const raw = readFileSync(path, 'utf8');
  if (!path.endsWith('.json')) {
    const terms = raw.split('\n').map((line) => line.replace(/#.*/, '').trim()).filter(Boolean);
    return { terms, obscenityWords: [] };
  }
  const file = JSON.parse(raw) as Partial<{ terms: unknown; obscenityWords: unknown }>;
  const terms = file.terms ?? [];
  const obscenityWords = file.obscenityWords ?? [];
  if (!isStringList(terms)) throw new Error(`${path}: "terms" must be a list of strings`);
  if (obscenityWords !== 'all' && !isStringList(obscenityWords)) throw new Error(`${path}: "obscenityWords" must be a list of strings or "all"`);
  return { terms, obscenityWords };
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
