import { Injectable } from '@nestjs/common';
import type { Principal } from '../../libs/auth/principal.js';
import type { Transaction } from '../../libs/database/transaction.js';
import { assertValidEvent, type UsageEvent, type UsageTotals } from './domain/usage-event.js';
import { UsageRepository, ledgerInsert, ledgerInsertIf, ledgerParams } from './repository/usage.repository.js';
import { QuotaService, type QuotaReservation, type QuotaStatus } from './service/quota.service.js';
import { UsageOutboxRelay } from './service/usage-outbox.relay.js';

export type { QuotaReservation, QuotaStatus, UsageEvent, UsageTotals };

/** The usage context's public face: record a turn in the caller's transaction, read totals. */
@Injectable()
export class UsageFacade {
  constructor(
    private readonly usage: UsageRepository,
    private readonly relay: UsageOutboxRelay,
    private readonly quotas: QuotaService,
  ) {}

  /** Sets aside the estimated tokens of a turn before the model is called; throws 429 QUOTA_EXCEEDED past a hard limit. */
  reserveTokens(principal: Principal, estimate: number): Promise<QuotaReservation> {
    return this.quotas.reserve(principal, estimate);
  }

  /**
   * Settles a reservation with the tokens the turn really used (0 when it failed before the model answered). Never
   * throws; the command leaves before the caller's next tick, so a turn may answer without waiting for the reply.
   */
  settleTokens(reservation: QuotaReservation, actualTokens: number): Promise<void> {
    return this.quotas.settle(reservation, actualTokens);
  }

  quotaStatus(principal: Principal): Promise<{ day: QuotaStatus; month: QuotaStatus } | null> {
    return this.quotas.status(principal);
  }

  /** Records a turn that stores nothing else (the OpenAI-compatible route without a conversation); then afterCommit. */
  async recordTurn(event: UsageEvent, tx?: Transaction): Promise<void> {
    assertValidEvent(event);
    await this.usage.insertEvent(event, tx);
  }

  /**
   * The ledger row of a turn as a CTE for the caller's own INSERT statement, its parameters numbered from
   * `first`: the answer and what it cost are then written in one statement, atomically (the outbox row).
   */
  ledgerCte(first: number): string {
    return `usage_event AS (${ledgerInsert(first)})`;
  }

  /** ledgerCte, written only if the caller's CTE `from` returned a row (a title billed only when it was set). */
  ledgerCteIf(first: number, from: string): string {
    return `usage_event AS (${ledgerInsertIf(first, from)})`;
  }

  /** The parameters of ledgerCte for one event (validated). */
  ledgerParams(event: UsageEvent): unknown[] {
    assertValidEvent(event);
    return ledgerParams(event);
  }

  /** Hands a committed event to the billing queue. */
  afterCommit(eventId: string): void {
    this.relay.dispatch(eventId);
  }

  async summaryForUser(userId: string): Promise<{ today: UsageTotals; thisMonth: UsageTotals; allTime: UsageTotals }> {
    const now = new Date().toISOString();
    const [today, thisMonth, allTime] = await Promise.all([
      this.usage.userTotals(userId, now.slice(0, 10)),
      this.usage.userTotals(userId, `${now.slice(0, 7)}-01`),
      this.usage.userTotals(userId),
    ]);
    return { today, thisMonth, allTime };
  }

  /** Whether (and when) each turn's usage event has reached the running totals. */
  billingStatus(eventIds: string[]): Promise<Map<string, { appliedAt: Date | null; costMicros: number }>> {
    return this.usage.billingStatus(eventIds);
  }

  /** Every day and model the user was billed for (their data export). */
  dailyTotalsForUser(userId: string): Promise<Array<{ day: string; model: string } & UsageTotals>> {
    return this.usage.userTotalsByDay(userId, '0001-01-01', '9999-12-31');
  }

  /** Erasure: the ledger and totals are kept for billing under a pseudonym; returns how many events moved. */
  anonymiseUser(userId: string, pseudonym: string): Promise<number> {
    return this.usage.anonymiseUser(userId, pseudonym);
  }

  conversationTotals(conversationId: string): Promise<UsageTotals> {
    return this.usage.conversationTotals(conversationId);
  }
}
