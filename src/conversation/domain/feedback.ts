/** A user's rating of one answer: one per answer and user, changed by rating again. */
export type Rating = 'up' | 'down';
export const RATINGS: readonly Rating[] = ['up', 'down'];
export const MAX_REASON_CHARS = 100;
export const MAX_COMMENT_CHARS = 2_000;

export interface Feedback {
  messageId: string;
  conversationId: string;
  userId: string;
  rating: Rating;
  reason: string | null;
  comment: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** One day and model of the admin analytics, as the dashboard reads it. */
export interface AnalyticsRow {
  day: string;
  model: string | null;
  turns: number;
  activeUsers: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  costMicros: number;
  errorRate: number;
  interruptionRate: number;
  latencyMs: { p50: number | null; p95: number | null };
  ttftMs: { p50: number | null; p95: number | null };
  feedback: { up: number; down: number; upRatio: number | null };
  moderationFlags: number;
}

/** The widest range one analytics request may cover (every day is one row per model). */
export const MAX_ANALYTICS_DAYS = 366;

const DAY_MS = 86_400_000;

/** [from, to] as UTC days; defaults to the last 30 days; from after to or a range over the maximum is refused by the caller. */
export function analyticsRange(range: { from?: string; to?: string }, now: Date): { from: string; to: string; days: number } {
  const to = (range.to ?? now.toISOString()).slice(0, 10);
  const from = (range.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 29 * DAY_MS).toISOString()).slice(0, 10);
  const days = Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;
  return { from, to, days };
}

export const ratio = (part: number, whole: number): number => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : 0);
