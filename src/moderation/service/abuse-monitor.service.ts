import { Injectable, Logger } from '@nestjs/common';
import type { Principal } from '../../../libs/auth/principal.js';
import { recordFlag } from '../../../libs/metrics/metrics.js';
import { IdentityFacade } from '../../identity/identity.facade.js';
import {
  ABUSE_RULES,
  SEVERITY,
  detectBotTiming,
  detectRepeatedViolations,
  detectRepeats,
  seen,
  shouldSuspend,
  type FlagFinding,
  type FlagKind,
  type SeenMessage,
} from '../domain/abuse.js';
import { FlagRepository } from '../repository/flag.repository.js';

const DEFAULT_ABUSE = { suspendAfter: 10, windowMinutes: 60 };
/** A detector's finding is recorded at most once a minute per user (refusals are recorded each time). */
const DETECTOR_KINDS = new Set<FlagKind>(['repeated_message', 'near_duplicate_message', 'bot_timing', 'repeated_violations']);
const REPEAT_FLAG_AFTER_MS = 60_000;
const MAX_USERS = 100_000;

/**
 * Watches each user's recent messages and violations for abuse: repeated or near-identical messages,
 * machine-regular timing, repeated refusals. Findings become flags; past the plan's threshold the user is
 * suspended. The recent activity lives in this instance's memory — cheap on the hot path, and each
 * instance sees the traffic it serves (behind a sticky or per-user balancer, all of it); the flags and
 * the suspension decision use the shared database. Nothing here delays the turn: writes happen after it.
 */
@Injectable()
export class AbuseMonitor {
  private readonly logger = new Logger('AbuseMonitor');
  private readonly messages = new Map<string, SeenMessage[]>();
  private readonly violations = new Map<string, number[]>();
  private readonly lastFlagged = new Map<string, number>();

  constructor(
    private readonly flags: FlagRepository,
    private readonly identity: IdentityFacade,
  ) {}

  /** Each accepted user message. */
  observeMessage(principal: Principal, conversationId: string | null, content: string, now = Date.now()): void {
    const history = this.messages.get(principal.userId) ?? [];
    const current = seen(content, now);
    const findings = [detectRepeats(history, current), detectBotTiming(history, current)].filter((f): f is FlagFinding => f !== null);
    this.remember(this.messages, principal.userId, [...history, current].slice(-ABUSE_RULES.memory));
    this.record(principal, conversationId, findings, now);
  }

  /** A refused message (forbidden content, a blocked injection) or a flagged injection. */
  observeViolation(principal: Principal, conversationId: string | null, kind: FlagKind, evidence: Record<string, unknown>, now = Date.now()): void {
    const times = [...(this.violations.get(principal.userId) ?? []), now].filter((t) => now - t <= ABUSE_RULES.violationWindowMs);
    this.remember(this.violations, principal.userId, times);
    const repeated = detectRepeatedViolations(times, now);
    this.record(principal, conversationId, [{ kind, evidence }, ...(repeated ? [repeated] : [])], now);
  }

  private record(principal: Principal, conversationId: string | null, all: FlagFinding[], now: number): void {
    const findings = all.filter((finding) => {
      if (!DETECTOR_KINDS.has(finding.kind)) return true;
      const key = `${principal.userId}:${finding.kind}`;
      if (now - (this.lastFlagged.get(key) ?? -Infinity) < REPEAT_FLAG_AFTER_MS) return false;
      this.remember(this.lastFlagged, key, now);
      return true;
    });
    if (findings.length === 0) return;
    void this.write(principal, conversationId, findings, now).catch((error: unknown) => this.logger.warn({ msg: 'could not record abuse flags', error: String(error) }));
  }

  private async write(principal: Principal, conversationId: string | null, findings: FlagFinding[], now: number): Promise<void> {
    for (const finding of findings) {
      await this.flags.insert({ userId: principal.userId, conversationId, kind: finding.kind, severity: SEVERITY[finding.kind], evidence: finding.evidence });
      recordFlag(finding.kind);
    }
    const { suspendAfter, windowMinutes } = principal.plan.abuse ?? DEFAULT_ABUSE;
    const weight = await this.flags.weightSince(principal.userId, new Date(now - windowMinutes * 60_000));
    if (!shouldSuspend(weight, suspendAfter)) return;
    if (!(await this.identity.suspend(principal.userId))) return; // another write suspended it first
    await this.flags.insert({ userId: principal.userId, conversationId, kind: 'suspension', severity: 0, evidence: { weight, suspendAfter, windowMinutes } });
    recordFlag('suspension');
    this.messages.delete(principal.userId);
    this.violations.delete(principal.userId);
    this.logger.warn({ msg: 'user suspended for abuse', userId: principal.userId, weight, suspendAfter });
  }

  private remember<T>(map: Map<string, T>, userId: string, value: T): void {
    if (map.size >= MAX_USERS && !map.has(userId)) map.clear();
    map.set(userId, value);
  }
}
