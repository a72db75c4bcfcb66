import { setFlagsFromString } from 'node:v8';

const GROWING_FLAG = '--heap-growing-percent';

/**
 * The V8 flag that caps how far the old generation grows past what survived its last full collection, or null:
 * when the setting is 0 (V8's own policy), or when node was started with the flag itself (the command line wins).
 */
export function heapGrowingFlag(percent: number, execArgv: readonly string[]): string | null {
  if (percent === 0) return null;
  if (execArgv.some((arg) => arg === GROWING_FLAG || arg.startsWith(`${GROWING_FLAG}=`) || arg.startsWith('--heap_growing_percent'))) return null;
  return `${GROWING_FLAG}=${percent}`;
}

/** Sets it for this process (V8 reads it at every full collection, so setting it at start-up is enough); returns what was set. */
export function applyHeapPolicy(percent: number, execArgv: readonly string[] = process.execArgv): string | null {
  const flag = heapGrowingFlag(percent, execArgv);
  if (flag) setFlagsFromString(flag);
  return flag;
}
