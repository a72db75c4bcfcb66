import { InProcessJobQueue } from '../../../libs/queue/in-process-job-queue.js';
import { BILLING_QUEUE } from '../../../libs/queue/queues.js';

const waitFor = async (condition: () => boolean): Promise<void> => {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('the in-process job queue', () => {
  let queue: InProcessJobQueue;
  beforeEach(() => (queue = new InProcessJobQueue()));
  afterEach(() => queue.close());

  it('runs jobs added before the handler is registered, once per id while waiting', async () => {
    const seen: string[] = [];
    await queue.add(BILLING_QUEUE, 'a', { n: 1 });
    await queue.add(BILLING_QUEUE, 'a', { n: 1 });
    await queue.add(BILLING_QUEUE, 'b', { n: 2 });
    queue.process<{ n: number }>(BILLING_QUEUE, async (data, job) => void seen.push(`${job.id}:${data.n}`));
    await waitFor(() => seen.length === 2);
    expect(seen).toEqual(['a:1', 'b:2']);
  });

  it('retries a failing job with backoff until it succeeds', async () => {
    const attempts: number[] = [];
    queue.process(BILLING_QUEUE, async (_data, job) => {
      attempts.push(job.attempt);
      if (job.attempt < 3) throw new Error('not yet');
    });
    await queue.add(BILLING_QUEUE, 'x', {});
    await waitFor(() => attempts.length === 3);
    expect(attempts).toEqual([1, 2, 3]);
    expect((await queue.stats(BILLING_QUEUE)).failed).toBe(0);
  });

});
