import type { Principal } from '../../../libs/auth/principal.js';
import type { IdentityFacade } from '../../../src/identity/identity.facade.js';
import type { Flag, FlagRepository } from '../../../src/moderation/repository/flag.repository.js';
import { AbuseMonitor } from '../../../src/moderation/service/abuse-monitor.service.js';

/** The flags table in memory: what AbuseMonitor writes, and the weight it reads back. */
class FlagStore {
  readonly rows: Array<Omit<Flag, 'id' | 'createdAt'>> = [];
  readonly weightQueries: Date[] = [];
  failing = false;

  async insert(flag: Omit<Flag, 'id' | 'createdAt'>): Promise<Flag> {
    if (this.failing) throw new Error('the database is down');
    this.rows.push(flag);
    return { ...flag, id: String(this.rows.length), createdAt: new Date() };
  }

  async weightSince(userId: string, since: Date): Promise<number> {
    this.weightQueries.push(since);
    return this.rows.filter((row) => row.userId === userId).reduce((sum, row) => sum + row.severity, 0);
  }

  kinds(): string[] {
    return this.rows.map((row) => row.kind);
  }
}

/** Flag writes happen after the turn, off its path: let them finish. */
const written = () => new Promise((resolve) => setTimeout(resolve, 0));

const T0 = Date.parse('2026-11-24T10:00:00Z');
let users = 0;
const principal = (abuse?: Principal['plan']['abuse']): Principal => ({
  userId: `user-${++users}`,
  email: null,
  role: 'user',
  via: 'jwt',
  plan: { id: 'free', tiers: ['standard'], maxContextTokens: 4096, rateLimits: { perMinute: 1, perHour: 1, perDay: 1 }, abuse },
});

describe('AbuseMonitor', () => {
  let flags: FlagStore;
  let suspensions: string[];
  let suspendAnswers: boolean;
  let monitor: AbuseMonitor;
  beforeEach(() => {
    flags = new FlagStore();
    suspensions = [];
    suspendAnswers = true;
    // As the users table does it: only an active user is suspended, and only once.
    const identity = {
      suspend: async (userId: string) => {
        const suspended = suspendAnswers && !suspensions.includes(userId);
        if (suspended) suspensions.push(userId);
        return suspended;
      },
    } as unknown as IdentityFacade;
    monitor = new AbuseMonitor(flags as unknown as FlagRepository, identity);
  });

  it('flags the third copy of a message, with its conversation and severity, then at most once a minute', async () => {
    const caller = principal();
    for (let i = 0; i < 4; i++) monitor.observeMessage(caller, 'conv-1', 'Buy cheap pills now', T0 + i * 7_000);
    await written();
    expect(flags.rows).toEqual([{ userId: caller.userId, conversationId: 'conv-1', kind: 'repeated_message', severity: 2, evidence: { copies: 3, windowMinutes: 10 } }]);
    monitor.observeMessage(caller, null, 'buy  CHEAP pills now', T0 + 21_000 + 60_000); // a minute after the first flag
    await written();
    expect(flags.rows).toHaveLength(2);
    expect(flags.rows[1]).toMatchObject({ kind: 'repeated_message', conversationId: null, evidence: { copies: 5 } });
  });

  it("keeps each user's messages apart", async () => {
    const [a, b] = [principal(), principal()];
    monitor.observeMessage(a, null, 'same text', T0);
    monitor.observeMessage(b, null, 'same text', T0 + 1000);
    monitor.observeMessage(a, null, 'same text', T0 + 2000);
    await written();
    expect(flags.rows).toEqual([]);
  });

  it("remembers a user's last 20 messages only", async () => {
    const caller = principal();
    monitor.observeMessage(caller, null, 'the same question', T0);
    monitor.observeMessage(caller, null, 'the same question', T0 + 1);
    // 20 different messages at irregular times push both copies out of memory.
    for (let i = 0; i < 20; i++) monitor.observeMessage(caller, null, `question number ${i} about topic ${i * 7}`, T0 + 2 + i * i * 37);
    monitor.observeMessage(caller, null, 'the same question', T0 + 20_000);
    await written();
    expect(flags.kinds().filter((kind) => kind === 'repeated_message')).toEqual([]);
  });

  it('records every violation, and a third within the hour as repeated violations too', async () => {
    const caller = principal();
    for (let i = 0; i < 3; i++) monitor.observeViolation(caller, 'conv-2', 'prompt_injection_blocked', { rule: `r${i}` }, T0 + i * 1000);
    await written();
    expect(flags.kinds()).toEqual(['prompt_injection_blocked', 'prompt_injection_blocked', 'prompt_injection_blocked', 'repeated_violations']);
    expect(flags.rows[3]).toMatchObject({ severity: 3, evidence: { violations: 3, windowMinutes: 60 } });
    expect(flags.rows[2]!.evidence).toEqual({ rule: 'r2' });
    // An hour later the earlier ones have left the window: a single violation is not repeated.
    monitor.observeViolation(caller, null, 'forbidden_content', {}, T0 + 2000 + 3_600_001);
    await written();
    expect(flags.kinds().slice(4)).toEqual(['forbidden_content']);
  });

  it("suspends once the flags' weight in the plan's window reaches the threshold, records it and starts the user afresh", async () => {
    const caller = principal({ suspendAfter: 6, windowMinutes: 30 });
    for (let i = 0; i < 3; i++) monitor.observeViolation(caller, 'conv-3', 'forbidden_content', {}, T0 + i);
    await written();
    // 1 + 1 + 1 + 3 (repeated violations) = 6: suspended, once.
    expect(suspensions).toEqual([caller.userId]);
    expect(flags.rows.at(-1)).toEqual({ userId: caller.userId, conversationId: 'conv-3', kind: 'suspension', severity: 0, evidence: { weight: 6, suspendAfter: 6, windowMinutes: 30 } });
    expect(flags.weightQueries.at(-1)).toEqual(new Date(T0 + 2 - 30 * 60_000));
    // Its history went with the suspension: two more copies of an earlier message make no repeat.
    monitor.observeMessage(caller, null, 'x', T0 + 10);
    monitor.observeMessage(caller, null, 'x', T0 + 20);
    await written();
    expect(flags.kinds().filter((kind) => kind === 'repeated_message')).toEqual([]);
  });

  it('records no suspension when another write suspended the user first', async () => {
    suspendAnswers = false;
    const caller = principal({ suspendAfter: 1, windowMinutes: 60 });
    monitor.observeViolation(caller, null, 'forbidden_content', {}, T0);
    await written();
    expect(suspensions).toEqual([]);
    expect(flags.kinds()).toEqual(['forbidden_content']);
  });

  it('suspends at a weight of 10 in 60 minutes on a plan that sets nothing', async () => {
    const caller = principal();
    for (let i = 0; i < 6; i++) {
      monitor.observeViolation(caller, null, 'forbidden_content', {}, T0 + i * 61_000);
      await written();
    }
    // A minute apart, so that each repeated-violations finding is recorded: 1 + 1 + (1 + 3) + (1 + 3) = 10 at the fourth.
    expect(suspensions).toEqual([caller.userId]);
    expect(flags.rows.find((row) => row.kind === 'suspension')?.evidence).toEqual({ weight: 10, suspendAfter: 10, windowMinutes: 60 });
    expect(flags.weightQueries[0]).toEqual(new Date(T0 - 60 * 60_000));
  });

  it('never throws into the turn when flags cannot be written', async () => {
    flags.failing = true;
    const caller = principal();
    expect(() => monitor.observeViolation(caller, null, 'forbidden_content', {}, T0)).not.toThrow();
    await written();
    expect(flags.rows).toEqual([]);
    expect(suspensions).toEqual([]);
  });
});
