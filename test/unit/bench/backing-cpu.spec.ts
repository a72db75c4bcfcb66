import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpuUsedMs, processesCpuMs } from '../../../bench/processes.js';

describe('bench: CPU of the servers beside gus (PostgreSQL, Redis)', () => {
  it('counts a process started during the run from zero, and one that ended through its parent', () => {
    // 1 (the postmaster) used 30 itself; 2 used 30 more and exited, its 80 going into 1's reaped children's time;
    // 3 started and used 20.
    const before = new Map([[1, 100], [2, 50]]);
    const after = new Map([[1, 100 + 30 + 80], [3, 20]]);
    expect(cpuUsedMs(before, after)).toBe(30 + 30 + 20);
  });

  it("finds processes by their command name, with their CPU time so far and their reaped children's", () => {
    const name = readFileSync('/proc/self/comm', 'utf8').trim();
    const before = processesCpuMs([name]).get(process.pid);
    expect(before).toBeDefined();
    // A child that burns 300 ms of CPU and exits: its time joins this process's own reading.
    const child = spawnSync(process.execPath, ['-e', 'while (process.cpuUsage().user < 300_000);']);
    expect(child.status).toBe(0);
    const after = processesCpuMs([name]).get(process.pid)!;
    expect(after - before!).toBeGreaterThanOrEqual(300);
    expect(processesCpuMs(['no-such-command-name'])).toEqual(new Map());
  });
});
