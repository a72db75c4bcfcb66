import { setFlagsFromString } from 'node:v8';

const GROWING_FLAG = '--heap-growing-percent';

/**
 * The V8 flag that caps how far the old generation grows past what survived its last full collection, or null:
 * when the setting is 0 (V8's own policy), or when node was started with the flag itself (the command line wins).
 */
export function heapGrowingFlag(percent: number, execArgv: readonly string[]): string | null {
  if (percent === 0) return null;
  // V8 spells its flags with - or _ alike, and takes the value after = or as the next argument.
  if (execArgv.some((arg) => arg.replaceAll('_', '-').split('=')[0] === GROWING_FLAG)) return null;
  return `${GROWING_FLAG}=${percent}`;
}

/** Sets it for this process (V8 reads it at every full collection, so setting it at start-up is enough). */
export function applyHeapPolicy(percent: number, execArgv: readonly string[] = process.execArgv): void {
  const flag = heapGrowingFlag(percent, execArgv);
  if (flag) setFlagsFromString(flag);
}
