import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { EVENT_LOOP_MONITORING_MS } from '../libs/metrics/event-loop.js';
import type { ContextReport } from './context-case.js';
import { round, type CaseResult } from './load.js';
import type { StallReport } from './stall-case.js';
import type { StreamingReport } from './streaming-case.js';

/** Over this share of non-2xx responses or request errors, a case cannot be trusted. */
export const MAX_FAILURE_RATIO = 0.01;

export interface ModeReport {
  mode: 'postgres' | 'embedded';
  /** Process start to the first 200 from /health/ready. */
  startupMs: number;
  idleRssMb: number;
  /** Every round's result, by case ("gus messages c=64"). */
  rounds: Record<string, CaseResult[]>;
  streaming: StreamingReport;
  stalls: StallReport;
  context?: ContextReport;
  gusLog: { warnings: number; errors: number; notable: string[] };
}

export interface Check {
  mode: string;
  name: string;
  value: number;
  unit: string;
  /** `value` must be ≤ (or, with `atLeast`, ≥) this. */
  target: number;
  atLeast?: boolean;
  met: boolean;
  detail?: string;
}

export interface BenchReport {
  timestamp: string;
  node: string;
  cpus: number;
  peer: string;
  settings: { rounds: number; c1Requests: number; c64Requests: number };
  modes: ModeReport[];
  checks: Check[];
  ok: boolean;
}

/** The median of the finite values (NaN when there are none). */
export const median = (values: number[]): number => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** The median over the rounds of one figure of one case. */
export function figure(mode: ModeReport, key: string, read: (result: CaseResult) => number | undefined): number {
  return round(median((mode.rounds[key] ?? []).map((r) => read(r) ?? NaN)), 4);
}

const cpu = (r: CaseResult) => r.cpuMsPerRequest;
const p50 = (r: CaseResult) => r.latencyMs.p50;
const p99 = (r: CaseResult) => r.latencyMs.p99;
const rps = (r: CaseResult) => r.requestsPerSec;
const rss = (r: CaseResult) => r.maxRssMb;
const backing = (r: CaseResult) => r.backingCpuMsPerRequest;

const PEER = 'peer chat completions';
const ROUTES = [
  { route: 'gus messages', label: 'messages route', direct: 'direct /api/chat' },
  { route: 'gus chat completions', label: '/v1/chat/completions', direct: 'direct /api/chat' },
] as const;

function check(mode: string, name: string, value: number, unit: string, target: number, options: { atLeast?: boolean; detail?: string } = {}): Check {
  const met = Number.isFinite(value) && (options.atLeast ? value >= target : value <= target);
  return { mode, name, value: round(value, 3), unit, target, ...options, met };
}

/** A turn in a 10,000-message conversation costs about what one in a 10-message one does (PRODUCT.md): within 10 %. */
export const CONTEXT_RATIO_TARGET = 1.1;

/** The context-scaling claim as checks: latency and throughput, 10,000 against 10 messages; missed above the target. */
export function contextChecks(mode: string, context: Pick<ContextReport, 'latencyRatioP50' | 'throughputRatio'>): Check[] {
  return [
    check(mode, 'context: p50(10,000 messages) ÷ p50(10)', context.latencyRatioP50, '×', CONTEXT_RATIO_TARGET, { detail: `throughput ratio ${context.throughputRatio}` }),
    check(mode, 'context: throughput(10) ÷ throughput(10,000 messages)', context.throughputRatio, '×', CONTEXT_RATIO_TARGET),
  ];
}

/** Every target of the hot-path issue, per mode, with its figure. */
export function evaluate(report: BenchReport): Check[] {
  const checks: Check[] = [];
  for (const mode of report.modes) {
    const m = mode.mode;
    const cpuTargets = m === 'postgres' ? { 'gus messages': 1.0, 'gus chat completions': 0.7 } : { 'gus messages': 1.5 };
    for (const [route, target] of Object.entries(cpuTargets)) {
      for (const c of [1, 64]) {
        const mine = figure(mode, `${route} c=${c}`, cpu);
        const theirs = figure(mode, `${PEER} c=${c}`, cpu);
        checks.push(check(m, `CPU per request, ${route.replace('gus ', '')} c=${c} (÷ peer)`, mine / theirs, '×', target, { detail: `${mine.toFixed(3)} ms vs ${theirs.toFixed(3)} ms` }));
      }
    }
    if (m === 'postgres') {
      const peerAdded = figure(mode, `${PEER} c=1`, p50) - figure(mode, 'direct /v1/chat/completions c=1', p50);
      for (const { route, label, direct } of ROUTES) {
        const added = figure(mode, `${route} c=1`, p50) - figure(mode, `${direct} c=1`, p50);
        checks.push(check(m, `added latency c=1, ${label} (÷ peer)`, added / peerAdded, '×', 1.0, { detail: `${added.toFixed(3)} ms vs ${peerAdded.toFixed(3)} ms` }));
        const mine = figure(mode, `${route} c=64`, rps);
        const theirs = figure(mode, `${PEER} c=64`, rps);
        checks.push(check(m, `throughput c=64, ${label} (÷ peer)`, mine / theirs, '×', 1.0, { atLeast: true, detail: `${mine.toFixed(0)} vs ${theirs.toFixed(0)} req/s` }));
        const tail = figure(mode, `${route} c=64`, p99) / figure(mode, `${route} c=64`, p50);
        checks.push(check(m, `p99 ÷ p50 at c=64, ${label}`, tail, '×', 4));
      }
    }
    checks.push(check(m, 'streaming: first delta after the upstream token (p50)', mode.streaming.firstDeltaLagMs.p50, 'ms', 3, { detail: `p90 ${mode.streaming.firstDeltaLagMs.p90} ms` }));
    checks.push(check(m, 'streaming: deltas per upstream token', mode.streaming.deltasPerToken, '', 0.95, { atLeast: true, detail: `per-delta lag p50 ${mode.streaming.deltaLagP50Ms} ms` }));
    checks.push(check(m, 'stalls: /health/live p99 during hostile requests', mode.stalls.probe.p99Ms, 'ms', 20, { detail: `max ${mode.stalls.probe.maxMs} ms over ${mode.stalls.probe.count} probes` }));
    checks.push(check(m, 'stalls: event-loop delay p99', mode.stalls.eventLoopDelayMs.p99, 'ms', 20, { detail: `max ${mode.stalls.eventLoopDelayMs.max} ms; timer ticks p99 ${mode.stalls.eventLoopDelayMs.ticks.p99} ms at a ${EVENT_LOOP_MONITORING_MS} ms period` }));
    const maxRss = Math.max(...Object.entries(mode.rounds).filter(([key]) => key.startsWith('gus') && key.endsWith('c=64')).flatMap(([, runs]) => runs.map((r) => rss(r) ?? 0)));
    checks.push(check(m, 'RSS under c=64', maxRss, 'MB', m === 'postgres' ? 200 : 300, { detail: `idle ${mode.idleRssMb} MB` }));
    checks.push(check(m, 'start-up to /health/ready', mode.startupMs, 'ms', 5000));
    if (mode.context) checks.push(...contextChecks(m, mode.context));
    const failed = Object.values(mode.rounds).flat().reduce((sum, r) => sum + r.non2xx + r.errors, 0);
    const sent = Object.values(mode.rounds).flat().reduce((sum, r) => sum + r.responses + r.errors, 0);
    checks.push(check(m, 'failed requests in the measured rounds', sent ? failed / sent : 1, 'share', MAX_FAILURE_RATIO, { detail: `${failed} of ${sent}` }));
  }
  return checks;
}

function cell(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '-';
}

/** The per-case table (medians over the rounds) and the checks, marked met or MISSED. */
export function formatReport(report: BenchReport): string {
  const lines: string[] = [];
  for (const mode of report.modes) {
    lines.push(`${mode.mode}: start-up ${mode.startupMs} ms, idle RSS ${mode.idleRssMb} MB (medians over ${report.settings.rounds} rounds)`);
    lines.push('case                                    req/s    p50 ms   p99 ms  CPU ms/req  max RSS MB  PostgreSQL + Redis CPU ms/req');
    for (const key of Object.keys(mode.rounds)) {
      lines.push(
        `${key.padEnd(38)} ${cell(figure(mode, key, rps), 0).padStart(6)} ${cell(figure(mode, key, p50), 2).padStart(9)} ${cell(figure(mode, key, p99), 2).padStart(8)} ${cell(figure(mode, key, cpu), 3).padStart(11)} ${cell(figure(mode, key, rss), 0).padStart(11)}${key.startsWith('gus') && mode.mode === 'postgres' ? cell(figure(mode, key, backing), 3).padStart(31) : ''}`,
      );
    }
    const s = mode.stalls;
    lines.push(`stall case (${s.durationS} s): probe p50 ${s.probe.p50Ms} / p99 ${s.probe.p99Ms} / max ${s.probe.maxMs} ms; event-loop delay p99 ${s.eventLoopDelayMs.p99} / max ${s.eventLoopDelayMs.max} ms`);
    for (const [name, r] of Object.entries(s.requests)) lines.push(`  ${name.padEnd(34)} sent ${String(r.sent).padStart(3)}  statuses ${JSON.stringify(r.statuses)}  p50 ${r.p50Ms} ms  max ${r.maxMs} ms`);
    if (mode.gusLog.warnings + mode.gusLog.errors > 0) {
      lines.push(`gus logged ${mode.gusLog.warnings} warning(s) and ${mode.gusLog.errors} error(s); the first:`);
      for (const line of mode.gusLog.notable) lines.push(`    ${line.slice(0, 300)}`);
    }
    lines.push('');
  }
  lines.push(`targets (peer: ${report.peer}):`);
  for (const c of report.checks) {
    const bound = `${c.atLeast ? '≥' : '≤'} ${c.target}${c.unit === '×' ? '×' : ` ${c.unit}`}`;
    lines.push(`  ${c.met ? 'met   ' : 'MISSED'} [${c.mode}] ${c.name}: ${c.value}${c.unit === '×' ? '×' : ` ${c.unit}`} (target ${bound})${c.detail ? ` — ${c.detail}` : ''}`);
  }
  return lines.join('\n');
}

/** Written through a .tmp file and a rename, so a crash never leaves half a JSON file. */
export async function writeReport(path: string, report: BenchReport): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  await writeFile(tmp, `${JSON.stringify(report, null, 2)}\n`);
  await rename(tmp, path);
}
