/**
 * The period of the timer behind nodejs_eventloop_lag_* (prom-client's monitorEventLoopDelay). Those gauges are
 * percentiles of the time between the timer's ticks, so an idle loop reads this much, not 0: how late the loop
 * ran is the gauge less this period. (Its own module: the bench reads it without loading prom-client.)
 */
export const EVENT_LOOP_MONITORING_MS = 10;
