import type { ForbiddenContent, ForbiddenMatch } from './forbidden-content.js';
import type { InjectionClassifier } from './injection-classifier.js';
import { detectInjection, type InjectionDetection } from './injection-detector.js';
import { toScreeningText } from './screening-text.js';

/** What the content checks found in one text: plain data, so that it can cross a worker thread's boundary. */
export type TextScreening = { forbidden: ForbiddenMatch; injection: null } | { forbidden: null; injection: InjectionDetection };

/** Forbidden content first (it refuses outright, so injection is not looked for), then prompt injection. */
export function screenText(raw: string, forbidden: ForbiddenContent, classifier: InjectionClassifier): TextScreening {
  const text = toScreeningText(raw);
  const match = forbidden.find(text);
  if (match) return { forbidden: match, injection: null };
  return { forbidden: null, injection: detectInjection(text, classifier) };
}
