/**
 * The fastest of `runs` runs of `work`, in ms: a run preempted on a shared machine is slower, never faster, so
 * the fastest is the least disturbed. For linearity checks (a ratio of two sizes), never for absolute times.
 */
export function fastestRunMs(work: () => unknown, runs: number): number {
  let fastest = Infinity;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    work();
    fastest = Math.min(fastest, performance.now() - started);
  }
  return fastest;
}
