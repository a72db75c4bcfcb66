import { monitorEventLoopDelay } from 'node:perf_hooks';
import { EVENT_LOOP_MONITORING_MS } from '../../../libs/metrics/event-loop.js';
import { eventLoopDelayMs } from '../../../bench/stall-case.js';

describe('the stall case reads the event-loop delay, not the interval of the timer that measures it', () => {
  it('takes the timer period off the gauges, never below zero, and keeps what it read', () => {
    expect(eventLoopDelayMs(21.09, 29.72)).toEqual({ p99: 11.09, max: 19.72, ticks: { p99: 21.09, max: 29.72 } });
    expect(eventLoopDelayMs(EVENT_LOOP_MONITORING_MS - 0.9, EVENT_LOOP_MONITORING_MS)).toMatchObject({ p99: 0, max: 0 });
    expect(eventLoopDelayMs(Number.NaN, Number.NaN).p99).toBeNaN(); // no figure is no pass
  });

  it('the histogram behind the gauges records whole timer intervals: a loop that does nothing reads about one period', async () => {
    const histogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_MONITORING_MS });
    histogram.enable();
    await new Promise((resolve) => setTimeout(resolve, 12 * EVENT_LOOP_MONITORING_MS));
    histogram.disable();
    // A delay histogram would read near 0 on an idle loop; this one reads at least the period on every tick.
    expect(histogram.count).toBeGreaterThan(3);
    expect(histogram.min / 1e6).toBeGreaterThanOrEqual(EVENT_LOOP_MONITORING_MS * 0.8);
  });
});
