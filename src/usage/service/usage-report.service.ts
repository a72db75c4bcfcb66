import { Injectable } from '@nestjs/common';
import { invalid } from '../../../libs/errors/domain-error.js';
import { EMPTY_TOTALS, type UsageTotals } from '../domain/usage-event.js';
import { UsageRepository } from '../repository/usage.repository.js';

const DAY_MS = 86_400_000;

/** Reads the running totals the billing worker keeps, shaped for dashboards. */
@Injectable()
export class UsageReportService {
  constructor(private readonly usage: UsageRepository) {}

  async forUser(userId: string, range: { from?: string; to?: string }) {
    const { from, to } = dayRange(range);
    const byDay = await this.usage.userTotalsByDay(userId, from, to);
    return {
      from,
      to,
      byDay,
      byMonth: rollUp(byDay, (row) => row.day.slice(0, 7)).map(([month, totals]) => ({ month, ...totals })),
      byModel: rollUp(byDay, (row) => row.model).map(([model, totals]) => ({ model, ...totals })),
    };
  }

  /** Every user's usage: totals, and rolled up by user, by model and by day. */
  async forAdmin(range: { from?: string; to?: string }, filter: { userId?: string; model?: string }) {
    const { from, to } = dayRange(range);
    const rows = await this.usage.allTotalsByDay(from, to, filter);
    return {
      from,
      to,
      totals: rollUp(rows, () => 'all')[0]?.[1] ?? { ...EMPTY_TOTALS },
      byUser: rollUp(rows, (row) => row.userId).map(([userId, totals]) => ({ userId, ...totals })),
      byModel: rollUp(rows, (row) => row.model).map(([model, totals]) => ({ model, ...totals })),
      byDay: rollUp(rows, (row) => row.day).map(([day, totals]) => ({ day, ...totals })),
    };
  }
}

function dayRange(range: { from?: string; to?: string }): { from: string; to: string } {
  const to = (range.to ?? new Date().toISOString()).slice(0, 10);
  const from = (range.from ?? new Date(Date.now() - 30 * DAY_MS).toISOString()).slice(0, 10);
  if (from > to) throw invalid('from must not be after to');
  return { from, to };
}

function rollUp<Row extends UsageTotals>(rows: Row[], keyOf: (row: Row) => string): Array<[string, UsageTotals]> {
  const totals = new Map<string, UsageTotals>();
  for (const row of rows) {
    const key = keyOf(row);
    const sum = totals.get(key) ?? { ...EMPTY_TOTALS };
    sum.turns += row.turns;
    sum.promptTokens += row.promptTokens;
    sum.completionTokens += row.completionTokens;
    sum.totalTokens += row.totalTokens;
    sum.costMicros += row.costMicros;
    totals.set(key, sum);
  }
  return [...totals];
}
