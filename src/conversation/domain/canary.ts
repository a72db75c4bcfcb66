import { randomBytes } from 'node:crypto';

/**
 * A canary: a random marker that opens every system turn. A model that starts repeating its system
 * prompt repeats the canary first, so an answer can be cut before the leak reaches the client or the
 * database. New for every turn, so it cannot be learnt and quoted on purpose.
 */
export function newCanary(): string {
  return `gus-canary-${randomBytes(8).toString('hex')}`;
}

export const canaryLine = (canary: string): string => `[${canary}]`;

export interface CanaryCut {
  /** Text that can be shown: never contains the canary, nor the start of it at its end. */
  safe: string;
  /** Whether the canary appeared (the text after it is dropped). */
  leaked: boolean;
}

/**
 * What of `text` may be released while streaming: everything but a possible beginning of the canary
 * at the end (held back until the next chunk decides), or everything before the canary once it appears.
 */
export function releasable(text: string, canary: string, final: boolean): CanaryCut {
  const at = text.indexOf(canary);
  if (at >= 0) return { safe: text.slice(0, at), leaked: true };
  if (final) return { safe: text, leaked: false };
  return { safe: text.slice(0, Math.max(0, text.length - (canary.length - 1))), leaked: false };
}
