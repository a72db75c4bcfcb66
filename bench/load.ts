import autocannon, { type AutocannonInstance, type AutocannonRequest } from 'autocannon';
import { cpuTimeMs, cpuUsedMs, processesCpuMs, sampleRss } from './processes.js';

/** Who serves a load: gus, the simulator alone, the peer gateway, or the bare Node pass-through of bench/floor.ts. */
export type Target = 'gus' | 'simulator' | 'portkey' | 'pass-through';

export interface LoadCase {
  name: string;
  target: Target;
  connections: number;
  /** Origin only, e.g. http://127.0.0.1:4000 (paths come from the requests). */
  origin: string;
  /** The request connection number `index` sends over and over. */
  requestFor: (index: number) => AutocannonRequest;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  mean: number;
}

export interface CaseResult {
  name: string;
  target: Target;
  connections: number;
  durationS: number;
  /** Completed responses, any status. */
  responses: number;
  requestsPerSec: number;
  /** Of 2xx responses only, so fast failures cannot make a run look fast. */
  latencyMs: LatencySummary;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** First few non-2xx bodies and request errors, to tell what went wrong. */
  problems: string[];
  /** With `serverPid`: the serving process's CPU time (user + system) per completed response, in ms. */
  cpuMsPerRequest?: number;
  /** The part of it spent in the kernel (system calls: sockets, pipes). */
  systemCpuMsPerRequest?: number;
  /** With `serverPid`: the serving process's highest resident set size during the run, in MB. */
  maxRssMb?: number;
  /** With `backing`: the CPU time of those processes (PostgreSQL, Redis on this machine) per completed response, in ms. */
  backingCpuMsPerRequest?: number;
}

/** A run lasts a fixed time, or until a fixed number of requests is done (CPU per request is read over those). */
export type RunLength = { durationS: number } | { amount: number };

const MAX_PROBLEMS = 5;

/** The running autocannon instance, so an interrupt can stop it. */
let current: AutocannonInstance | undefined;

export function stopCurrentLoad(): void {
  current?.stop();
}

/**
 * Drives one case with a fixed number of keep-alive connections, for a time or a number of requests. With
 * `serverPid`, the serving process's own CPU time over the run is divided by the responses it completed:
 * CPU per request holds on a noisy machine, where wall-clock figures do not.
 */
export async function runLoad(loadCase: LoadCase, length: number | RunLength, serverPid?: number, backing?: readonly string[]): Promise<CaseResult> {
  const run: RunLength = typeof length === 'number' ? { durationS: length } : length;
  const latencies: number[] = [];
  const problems: string[] = [];
  const note = (text: string): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(text);
  };
  let nextClient = 0;
  const instance = autocannon({
    url: loadCase.origin,
    connections: loadCase.connections,
    ...('amount' in run ? { amount: run.amount } : { duration: run.durationS }),
    timeout: 30,
    // Each connection gets its own fixed request (for gus: its own conversation), see run-bench.ts.
    setupClient: (client) => {
      const request = loadCase.requestFor(nextClient++);
      client.setRequests([{ ...request, onResponse: (status, body) => status >= 300 && note(`HTTP ${status}: ${body.slice(0, 300)}`) }]);
    },
  });
  current = instance;
  // autocannon's own histogram has 1 ms resolution; the simulator answers well below that.
  const startedAt = performance.now();
  let lastResponseAt = startedAt;
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    lastResponseAt = performance.now();
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTimeMs);
  });
  instance.on('reqError', (error) => note(`request error: ${error.message}`));
  const cpuBefore = serverPid ? cpuTimeMs(serverPid) : { user: 0, system: 0 };
  const backingBefore = backing ? processesCpuMs(backing) : null;
  const rss = serverPid ? sampleRss(serverPid) : null;
  try {
    const result = await instance;
    const cpuAfter = serverPid ? cpuTimeMs(serverPid) : cpuBefore;
    const backingMs = backingBefore ? cpuUsedMs(backingBefore, processesCpuMs(backing!)) : null;
    const cpuMs = cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system;
    const systemMs = cpuAfter.system - cpuBefore.system;
    const maxRssMb = rss?.stop();
    const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, stat]) => [code, stat.count]));
    return {
      name: loadCase.name,
      target: loadCase.target,
      connections: loadCase.connections,
      durationS: result.duration,
      responses: Object.values(statusCodes).reduce((a, b) => a + b, 0),
      // Responses over the time from the start to the last response: autocannon's own mean is of whole-second
      // samples, and a fixed-count run ends at its next whole second, so a run of 4.1 s read as 4000 / 5 = 800.
      requestsPerSec: round(responses(statusCodes) / (Math.max(1, lastResponseAt - startedAt) / 1000)),
      latencyMs: summarise(latencies),
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      statusCodes,
      problems,
      ...(serverPid ? { cpuMsPerRequest: round(cpuMs / responses(statusCodes), 4), systemCpuMsPerRequest: round(systemMs / responses(statusCodes), 4), maxRssMb } : {}),
      ...(backingMs === null ? {} : { backingCpuMsPerRequest: round(backingMs / responses(statusCodes), 4) }),
    };
  } finally {
    rss?.stop();
    current = undefined;
  }
}

const responses = (statusCodes: Record<string, number>): number => Math.max(1, Object.values(statusCodes).reduce((a, b) => a + b, 0));

function summarise(values: number[]): LatencySummary {
  if (values.length === 0) return { p50: NaN, p90: NaN, p99: NaN, mean: NaN };
  const sorted = Float64Array.from(values).sort();
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return { p50: round(percentile(sorted, 50)), p90: round(percentile(sorted, 90)), p99: round(percentile(sorted, 99)), mean: round(mean) };
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: Float64Array, p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
