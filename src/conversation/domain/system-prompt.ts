/** Where a system prompt layer comes from, in the order they are applied (PRODUCT.md §4). */
export const SYSTEM_LAYERS = ['global', 'model', 'plan', 'conversation', 'request', 'control', 'spotlighting'] as const;
export type SystemLayer = (typeof SYSTEM_LAYERS)[number];

/** Instructions gus adds for a control option, checked on the answer. */
export const JSON_CONTROL_INSTRUCTION = 'Answer with one valid JSON object and nothing else.';

export interface ComposedSystemPrompt {
  content: string;
  applied: SystemLayer[];
}

/** Joins the layers that are set, global first and request last, into one system turn. */
export function composeSystemPrompt(layers: Partial<Record<SystemLayer, string | null | undefined>>): ComposedSystemPrompt | null {
  const applied = SYSTEM_LAYERS.filter((layer) => (layers[layer] ?? '').trim().length > 0);
  if (applied.length === 0) return null;
  return { content: applied.map((layer) => layers[layer]!.trim()).join('\n\n'), applied };
}

/** Whether an answer asked for as JSON is one JSON object. */
export function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
