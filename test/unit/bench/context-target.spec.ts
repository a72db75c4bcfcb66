import { contextChecks } from '../../../bench/report.js';

describe('the bench holds the context-scaling claim as a check that can be missed', () => {
  it('is met at a ratio of 1.1 or less, missed above it, for latency and for throughput alike', () => {
    expect(contextChecks('postgres', { latencyRatioP50: 1.1, throughputRatio: 1.0 }).map((c) => c.met)).toEqual([true, true]);
    expect(contextChecks('postgres', { latencyRatioP50: 1.11, throughputRatio: 1.0 }).map((c) => c.met)).toEqual([false, true]);
    expect(contextChecks('postgres', { latencyRatioP50: 0.9, throughputRatio: 1.15 }).map((c) => c.met)).toEqual([true, false]);
    expect(contextChecks('postgres', { latencyRatioP50: Number.NaN, throughputRatio: 1 })[0]!.met).toBe(false); // no figure is no pass
  });
});
