import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** The last lines a child printed, plus how many of its JSON log lines were warnings or errors. */
export class LogTail {
  readonly lines: string[] = [];
  /** The first few warning and error lines, which say the most about what went wrong. */
  readonly notableLines: string[] = [];
  warnings = 0;
  errors = 0;
  private readonly listeners = new Set<(line: string) => void>();

  constructor(private readonly max = 40) {}

  /** Calls `listener` with every later line; returns the unsubscribe function. */
  onLine(listener: (line: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  push(line: string): void {
    for (const listener of this.listeners) listener(line);
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.shift();
    const level = logLevel(line);
    if (level === 'warn') this.warnings++;
    if (level === 'error' || level === 'fatal') this.errors++;
    if (level === 'warn' || level === 'error' || level === 'fatal') {
      if (this.notableLines.length < 8) this.notableLines.push(line);
    }
  }
}

/** Nest's JSON logger writes one object per line with a `level` field; anything else has none. */
function logLevel(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null && 'level' in parsed ? String(parsed.level) : undefined;
  } catch {
    return undefined;
  }
}

export interface Child {
  name: string;
  proc: ChildProcess;
  log: LogTail;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  exited: Promise<string>;
}

const children = new Set<Child>();

/** Starts `node script args…` with piped output; every child is tracked so cleanup can reach it. */
export function startNode(name: string, script: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, nodeArgs: string[] = []): Child {
  const proc = spawn(process.execPath, [...nodeArgs, script, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = new LogTail();
  for (const stream of [proc.stdout, proc.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', (line) => log.push(line));
  }
  const exited = new Promise<string>((resolve) => {
    proc.once('exit', (code, signal) => resolve(signal ?? String(code)));
    proc.once('error', (error) => resolve(`spawn error: ${error.message}`));
  });
  const child: Child = { name, proc, log, exited };
  children.add(child);
  void exited.then(() => children.delete(child));
  return child;
}

/** Waits for a line matching `pattern`; fails if the child exits first or it takes too long. */
export async function waitForLine(child: Child, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  const seen = child.log.lines.map((line) => line.match(pattern)).find((m) => m !== null);
  if (seen) return seen;
  return new Promise<RegExpMatchArray>((resolve, reject) => {
    // Listen through the tail rather than a second reader: closing a readline would pause the pipe.
    const done = (error?: Error, match?: RegExpMatchArray): void => {
      clearTimeout(timer);
      unsubscribe();
      if (match) resolve(match);
      else reject(error);
    };
    const timer = setTimeout(() => done(new Error(`${child.name} printed nothing matching ${pattern} within ${timeoutMs} ms`)), timeoutMs);
    const unsubscribe = child.log.onLine((line) => {
      const match = line.match(pattern);
      if (match) done(undefined, match);
    });
    void child.exited.then((how) => done(new Error(`${child.name} exited (${how}) before it was ready:\n${child.log.lines.join('\n')}`)));
  });
}

/** A port that was free a moment ago on the loopback interface (the child binds it right after). */
export async function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not get a free port'))));
    });
  });
}

/** SIGTERM, then SIGKILL if the child has not exited after `graceMs`. */
export async function stopChild(child: Child, graceMs = 5000): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  child.proc.kill('SIGTERM');
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
}

export async function stopAllChildren(): Promise<void> {
  await Promise.all([...children].map((child) => stopChild(child)));
}

/** Last resort from a synchronous 'exit' handler: no time left to be graceful. */
export function killAllChildrenSync(): void {
  for (const child of children) child.proc.kill('SIGKILL');
}

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ: 100 on every Linux build in use). */
const CLOCK_TICKS_PER_SECOND = 100;

/** /proc/<pid>/stat's CPU times in ms: its own utime and stime, and those of the children it reaped (Linux). */
function statTimesMs(pid: number): { user: number; system: number; children: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces: count fields from after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ms = (i: number): number => (Number(fields[i]) * 1000) / CLOCK_TICKS_PER_SECOND;
  return { user: ms(11), system: ms(12), children: ms(13) + ms(14) };
}

/** CPU time the process has used so far, in ms, in user space and in the kernel, read from /proc (Linux). */
export function cpuTimeMs(pid: number): { user: number; system: number } {
  const { user, system } = statTimesMs(pid);
  return { user, system };
}

/**
 * CPU time (ms) of every process whose command name is one of `names`, by pid (Linux): its own user + system time
 * plus that of its children it has reaped (cutime + cstime), where a PostgreSQL backend that exited goes.
 */
export function processesCpuMs(names: readonly string[]): Map<number, number> {
  const found = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!names.includes(readFileSync(`/proc/${entry}/comm`, 'utf8').trim())) continue;
      const { user, system, children } = statTimesMs(Number(entry));
      found.set(Number(entry), user + system + children);
    } catch {
      // gone between the listing and the read
    }
  }
  return found;
}

/**
 * CPU used between two readings of processesCpuMs. A process started meanwhile (a pool's new connection) counts
 * from zero. One that exited took its whole time into its parent's reaped children's time, which the parent's
 * reading includes, so what it had used before the run is taken off again.
 */
export function cpuUsedMs(before: Map<number, number>, after: Map<number, number>): number {
  let used = 0;
  for (const [pid, ms] of after) used += ms - (before.get(pid) ?? 0);
  for (const [pid, ms] of before) if (!after.has(pid)) used -= ms;
  return used;
}

/** Resident set size of the process in MB, from /proc (Linux). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return Math.round((kb / 1024) * 10) / 10;
}

/** Samples a process's RSS every `everyMs` until stopped; returns the highest reading. */
export function sampleRss(pid: number, everyMs = 100): { stop(): number } {
  let max = rssMb(pid);
  const timer = setInterval(() => {
    try {
      max = Math.max(max, rssMb(pid));
    } catch {
      // the process is gone: keep what was seen
    }
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return max;
    },
  };
}

/**
 * gus's simulator as the bench's upstream: no first-token latency, no delay between tokens, 12 reply tokens, so
 * the model costs as close to nothing as it gets. `root` is the project root (it runs the built CLI from dist/).
 */
export async function startSimulator(root: string, timeoutMs = 60_000): Promise<{ child: Child; url: string }> {
  const cli = join(root, 'dist/src/llm/simulator/simulator.cli.js');
  const child = startNode('simulator', cli, ['--port', '0', '--host', '127.0.0.1', '--latency-ms', '0', '--tokens-per-second', '0', '--reply-tokens', '12'], process.env, root);
  const match = await waitForLine(child, /listening on (http:\/\/\S+)/, timeoutMs);
  return { child, url: match[1]!.replace(/\/$/, '') };
}
