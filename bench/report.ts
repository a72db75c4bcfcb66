import type { ContextReport } from './context-case.js';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { round, type CaseResult } from './load.js';

/** Over this share of non-2xx responses or request errors, a case fails the bench. */
export const MAX_FAILURE_RATIO = 0.01;

export interface AddedLatency {
  connections: number;
  p50Ms: number;
  p99Ms: number;
}

export interface BenchReport {
  ok: boolean;
  failures: string[];
  timestamp: string;
  node: string;
  cpus: number;
  mode: string;
  durationS: number;
  warmupS: number;
  cases: CaseResult[];
  /** gus − simulator at the same concurrency: what gus adds on top of the model server. */
  addedLatency: AddedLatency[];
  /** The context case: turns in a 10- and a 10,000-message conversation. */
  context?: ContextReport;
  gusLog: { warnings: number; errors: number };
}

/** Per concurrency with both a gus and a simulator case. */
export function addedLatency(cases: CaseResult[]): AddedLatency[] {
  const added: AddedLatency[] = [];
  for (const gus of cases.filter((c) => c.target === 'gus')) {
    const sim = cases.find((c) => c.target === 'simulator' && c.connections === gus.connections);
    if (!sim) continue;
    added.push({
      connections: gus.connections,
      p50Ms: round(gus.latencyMs.p50 - sim.latencyMs.p50),
      p99Ms: round(gus.latencyMs.p99 - sim.latencyMs.p99),
    });
  }
  return added;
}

/** Why a case cannot be trusted: too many non-2xx or errors, or nothing succeeded at all. */
export function caseFailures(result: CaseResult): string[] {
  const attempts = result.responses + result.errors;
  const ok = result.responses - result.non2xx;
  const failures: string[] = [];
  if (ok <= 0) failures.push(`${result.name}: no successful response`);
  const bad = result.non2xx + result.errors;
  if (attempts > 0 && bad / attempts > MAX_FAILURE_RATIO) {
    failures.push(`${result.name}: ${bad} of ${attempts} requests failed (${result.non2xx} non-2xx, ${result.errors} errors) — over ${MAX_FAILURE_RATIO * 100}%`);
  }
  return failures;
}

export function formatTable(cases: CaseResult[], added: AddedLatency[]): string {
  const header = ['case', 'target', 'conn', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'mean ms', 'non-2xx', 'errors'];
  const rows = cases.map((c) => [
    c.name,
    c.target,
    String(c.connections),
    fixed(c.requestsPerSec, 1),
    fixed(c.latencyMs.p50, 2),
    fixed(c.latencyMs.p90, 2),
    fixed(c.latencyMs.p99, 2),
    fixed(c.latencyMs.mean, 2),
    String(c.non2xx),
    String(c.errors),
  ]);
  const addedRows = added.map((a) => [String(a.connections), fixed(a.p50Ms, 2), fixed(a.p99Ms, 2)]);
  return [...grid(header, rows), '', 'added latency (gus − simulator, same connections):', ...grid(['conn', 'p50 ms', 'p99 ms'], addedRows)].join('\n');
}

/** Written through a .tmp file and a rename, so a crash never leaves half a JSON file. */
export async function writeReport(path: string, report: BenchReport): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  await writeFile(tmp, `${JSON.stringify(report, null, 2)}\n`);
  await rename(tmp, path);
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '-';
}

function grid(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  // Number columns right-aligned so their digits line up, text columns left-aligned.
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => /^-?[\d.]+$|^-$/.test(r[i])));
  const line = (cells: string[]): string => cells.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}
