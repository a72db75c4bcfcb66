import { EVENT_LOOP_MONITORING_MS } from '../../../libs/metrics/event-loop.js';
import { metricsRegistry } from '../../../libs/metrics/metrics.js';
import { eventLoopDelayMs, gauge } from '../../../bench/stall-case.js';

describe('the stall case reads the event-loop delay, not the interval of the timer that measures it', () => {
  it('takes the timer period off the gauges, never below zero, and keeps what it read', () => {
    expect(eventLoopDelayMs(21.09, 29.72)).toEqual({ p99: 11.09, max: 19.72, ticks: { p99: 21.09, max: 29.72 } });
    expect(eventLoopDelayMs(EVENT_LOOP_MONITORING_MS - 0.9, EVENT_LOOP_MONITORING_MS)).toMatchObject({ p99: 0, max: 0 });
    expect(eventLoopDelayMs(Number.NaN, Number.NaN).p99).toBeNaN(); // no figure is no pass
  });

  it("gus's own lag gauges tick at that period and record whole intervals: a loop that does nothing reads about one period", async () => {
    await metricsRegistry.metrics(); // a scrape resets the histogram
    await new Promise((resolve) => setTimeout(resolve, 12 * EVENT_LOOP_MONITORING_MS));
    const text = await metricsRegistry.metrics();
    // A delay histogram would read near 0 on an idle loop; this one reads at least the period on every tick.
    expect(gauge(text, 'nodejs_eventloop_lag_min_seconds')).toBeGreaterThanOrEqual(EVENT_LOOP_MONITORING_MS * 0.8);
    expect(gauge(text, 'nodejs_eventloop_lag_p50_seconds')).toBeGreaterThanOrEqual(EVENT_LOOP_MONITORING_MS * 0.8);
  });
});
