/** What a model call was for: a turn, or a conversation's generated title (billed, but not a turn). */
export type UsageKind = 'turn' | 'title';

/** One model call, as billed. Its id is the assistant message's id, so a redelivered event is recognised. */
export interface UsageEvent {
  id: string;
  /** Default turn. */
  kind?: UsageKind;
  userId: string;
  conversationId: string | null;
  model: string;
  promptTokens: number;
  completionTokens: number;
  costMicros: number;
  latencyMs: number;
  ttftMs: number | null;
  occurredAt: Date;
}

export interface UsageTotals {
  turns: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  costMicros: number;
}

export const EMPTY_TOTALS: UsageTotals = { turns: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costMicros: 0 };

export function assertValidEvent(event: UsageEvent): void {
  for (const [name, value] of Object.entries({ promptTokens: event.promptTokens, completionTokens: event.completionTokens, costMicros: event.costMicros, latencyMs: event.latencyMs })) {
    if (!Number.isInteger(value) || value < 0) throw new Error(`usage event ${event.id}: ${name} must be a non-negative integer (got ${value})`);
  }
}
