import { loadConfig } from '../../../libs/config/app-config.js';
import { InProcessJobQueue } from '../../../libs/queue/in-process-job-queue.js';
import { JobQueue } from '../../../libs/queue/job-queue.js';
import { BILLING_QUEUE, type QueueName } from '../../../libs/queue/queues.js';
import type { UsageRepository } from '../../../src/usage/repository/usage.repository.js';
import { BILLING_BATCH, BillingWorker } from '../../../src/usage/service/billing.worker.js';
import { UsageOutboxRelay } from '../../../src/usage/service/usage-outbox.relay.js';
import { UsageReportService } from '../../../src/usage/service/usage-report.service.js';

const totals = (turns: number, prompt: number, completion: number, cost: number) => ({
  turns, promptTokens: prompt, completionTokens: completion, totalTokens: prompt + completion, costMicros: cost,
});

describe('UsageReportService', () => {
  const byDay = [
    { day: '2026-10-31', model: 'llama3.2', ...totals(1, 10, 5, 100) },
    { day: '2026-11-01', model: 'llama3.2', ...totals(2, 20, 10, 200) },
    { day: '2026-11-01', model: 'llama3.1:70b', ...totals(1, 100, 50, 3000) },
  ];
  const ranges: Array<[string, string]> = [];
  const repository = {
    userTotalsByDay: async (_userId: string, from: string, to: string) => (ranges.push([from, to]), byDay),
    allTotalsByDay: async (from: string, to: string) => (ranges.push([from, to]), byDay.map((row, i) => ({ ...row, userId: i === 0 ? 'a' : 'b' }))),
  } as unknown as UsageRepository;
  const reports = new UsageReportService(repository);

  it("rolls a user's days up by month and by model", async () => {
    const report = await reports.forUser('a', { from: '2026-10-01T12:00:00Z', to: '2026-11-30' });
    expect(ranges.at(-1)).toEqual(['2026-10-01', '2026-11-30']); // days, whatever the time of day given
    expect(report).toEqual({
      from: '2026-10-01',
      to: '2026-11-30',
      byDay,
      byMonth: [{ month: '2026-10', ...totals(1, 10, 5, 100) }, { month: '2026-11', ...totals(3, 120, 60, 3200) }],
      byModel: [{ model: 'llama3.2', ...totals(3, 30, 15, 300) }, { model: 'llama3.1:70b', ...totals(1, 100, 50, 3000) }],
    });
  });

  it('gives admins the totals, and the same rows by user, by model and by day', async () => {
    const report = await reports.forAdmin({ from: '2026-10-31', to: '2026-11-01' }, {});
    expect(report.totals).toEqual(totals(4, 130, 65, 3300));
    expect(report.byUser).toEqual([{ userId: 'a', ...totals(1, 10, 5, 100) }, { userId: 'b', ...totals(3, 120, 60, 3200) }]);
    expect(report.byModel.map((row) => row.model)).toEqual(['llama3.2', 'llama3.1:70b']);
    expect(report.byDay).toEqual([{ day: '2026-10-31', ...totals(1, 10, 5, 100) }, { day: '2026-11-01', ...totals(3, 120, 60, 3200) }]);
  });

  it('reports zeros, not nothing, over a range without usage', async () => {
    const empty = new UsageReportService({ allTotalsByDay: async () => [] } as unknown as UsageRepository);
    expect((await empty.forAdmin({ from: '2026-01-01', to: '2026-01-02' }, {})).totals).toEqual(totals(0, 0, 0, 0));
  });

  it('defaults to the last 30 days up to today, and refuses a range that ends before it starts', async () => {
    const report = await reports.forUser('a', {});
    const today = new Date().toISOString().slice(0, 10);
    expect(report.to).toBe(today);
    expect(Date.parse(report.to) - Date.parse(report.from)).toBe(30 * 86_400_000);
    await expect(reports.forUser('a', { from: '2026-11-02', to: '2026-11-01' })).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: 'from must not be after to' });
    await expect(reports.forUser('a', { from: '2026-11-01', to: '2026-11-01' })).resolves.toMatchObject({ from: '2026-11-01', to: '2026-11-01' });
  });
});

/** A queue that records what it was asked to run. */
class RecordingQueue extends JobQueue {
  readonly kind = 'bullmq' as const;
  readonly added: Array<{ queue: QueueName; jobId: string }> = [];
  failing = false;
  async add<T>(queue: QueueName, jobId: string, _data: T): Promise<void> {
    if (this.failing) throw new Error('Redis is down');
    this.added.push({ queue, jobId });
  }
  async stats() {
    return { waiting: 0, active: 0, failed: 0, delayed: 0 };
  }
  names(): QueueName[] {
    return [BILLING_QUEUE];
  }
  async close(): Promise<void> {}
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Polls until `done` holds (timers are late on a loaded machine: no fixed sleep decides). */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await wait(10);
}

describe('UsageOutboxRelay', () => {
  const relayWith = (unapplied: () => Promise<boolean>, pollMs = 1_000_000) => {
    const queue = new RecordingQueue();
    const relay = new UsageOutboxRelay({ hasUnappliedOlderThan: unapplied } as unknown as UsageRepository, queue, loadConfig({ GUS_OUTBOX_POLL_MS: String(pollMs) }));
    return { queue, relay };
  };

  it('asks for one billing job per batch window however many turns commit, named by its slot', async () => {
    const { queue, relay } = relayWith(async () => false);
    for (let i = 0; i < 50; i++) relay.dispatch(`event-${i}`);
    expect(queue.added).toEqual([]); // nothing on the hot path
    await wait(150);
    expect(queue.added).toHaveLength(1);
    expect(queue.added[0]).toEqual({ queue: BILLING_QUEUE, jobId: expect.stringMatching(/^batch-\d+$/) });
    relay.dispatch('later');
    await wait(150);
    expect(queue.added).toHaveLength(2);
    expect(queue.added[1]!.jobId).not.toBe(queue.added[0]!.jobId);
  });

  it('asks again on its sweep only when events wait too long, and survives a queue that is down', async () => {
    let stale = false;
    let sweeps = 0;
    const { queue, relay } = relayWith(async () => (sweeps++, stale), 20);
    relay.onModuleInit();
    await until(() => sweeps >= 3);
    expect(queue.added).toEqual([]); // nothing waits: no job
    queue.failing = true;
    stale = true;
    const failedFrom = sweeps;
    await until(() => sweeps >= failedFrom + 3); // a failed queue write is logged; the sweep goes on
    queue.failing = false;
    await until(() => queue.added.length > 0);
    expect(queue.added.every((job) => job.queue === BILLING_QUEUE && /^sweep-\d+$/.test(job.jobId))).toBe(true);
    await relay.beforeApplicationShutdown();
    const after = sweeps;
    await wait(100);
    expect(sweeps).toBe(after); // the sweep stopped with the process
  });

  it('on shutdown, asks at once for the batch it was waiting for, and takes no more', async () => {
    const { queue, relay } = relayWith(async () => false);
    relay.dispatch('e1');
    await relay.beforeApplicationShutdown();
    expect(queue.added).toEqual([{ queue: BILLING_QUEUE, jobId: expect.stringMatching(/^batch-\d+$/) }]);
    relay.dispatch('e2');
    await wait(150);
    expect(queue.added).toHaveLength(1);
  });
});

describe('BillingWorker', () => {
  const worker = (pending: number[], role = 'all', queue: JobQueue = new InProcessJobQueue()) => {
    const calls: number[] = [];
    const usage = { applyPending: async (limit: number) => (calls.push(limit), pending.shift() ?? 0) } as unknown as UsageRepository;
    return { worker: new BillingWorker(usage, queue, loadConfig({ GUS_ROLE: role })), calls, queue };
  };

  it('applies batch after batch until one comes back short', async () => {
    const { worker: billing, calls } = worker([BILLING_BATCH, BILLING_BATCH, 7, 99]);
    expect(await billing.applyPending()).toBe(2 * BILLING_BATCH + 7);
    expect(calls).toEqual([BILLING_BATCH, BILLING_BATCH, BILLING_BATCH]);
  });

  it('consumes the embedded billing queue except in an API-only process', async () => {
    const embedded = worker([3]);
    embedded.worker.onModuleInit();
    expect((embedded.queue as InProcessJobQueue).consumes(BILLING_QUEUE)).toBe(true);
    await embedded.queue.add(BILLING_QUEUE, 'batch-1', {});
    await until(() => embedded.calls.length > 0);
    expect(embedded.calls).toEqual([BILLING_BATCH]);
    const api = worker([], 'api');
    api.worker.onModuleInit();
    expect((api.queue as InProcessJobQueue).consumes(BILLING_QUEUE)).toBe(false);
    // With BullMQ, BillingProcessor consumes the queue instead: nothing registers here.
    const bull = worker([], 'all', new RecordingQueue());
    expect(() => bull.worker.onModuleInit()).not.toThrow();
    await embedded.queue.close();
    await api.queue.close();
  });
});
