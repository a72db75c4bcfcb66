import { Injectable } from '@nestjs/common';
import { invalid } from '../../../libs/errors/domain-error.js';
import type { UsageTotals } from '../domain/usage-event.js';
import { UsageRepository } from '../repository/usage.repository.js';

const DAY_MS = 86_400_000;

type DayRow = { day: string; model: string } & UsageTotals;

/** Reads the running totals the billing worker keeps, shaped for dashboards. */
@Injectable()
export class UsageReportService {
  constructor(private readonly usage: UsageRepository) {}

  async forUser(userId: string, range: { from?: string; to?: string }) {
    const to = (range.to ?? new Date().toISOString()).slice(0, 10);
    const from = (range.from ?? new Date(Date.now() - 30 * DAY_MS).toISOString()).slice(0, 10);
    if (from > to) throw invalid('from must not be after to');
    const byDay = await this.usage.userTotalsByDay(userId, from, to);
    return {
      from,
      to,
      byDay,
      byMonth: rollUp(byDay, (row) => row.day.slice(0, 7)).map(([month, totals]) => ({ month, ...totals })),
      byModel: rollUp(byDay, (row) => row.model).map(([model, totals]) => ({ model, ...totals })),
    };
  }
}

function rollUp(rows: DayRow[], keyOf: (row: DayRow) => string): Array<[string, UsageTotals]> {
  const totals = new Map<string, UsageTotals>();
  for (const row of rows) {
    const key = keyOf(row);
    const sum = totals.get(key) ?? { turns: 0, promptTokens: 0, completionTokens: 0, totalTokens: 0, costMicros: 0 };
    sum.turns += row.turns;
    sum.promptTokens += row.promptTokens;
    sum.completionTokens += row.completionTokens;
    sum.totalTokens += row.totalTokens;
    sum.costMicros += row.costMicros;
    totals.set(key, sum);
  }
  return [...totals];
}
