import { readFileSync } from 'node:fs';
import { cpuTimeMs, cpuUsedMs, processesCpuMs } from '../../../bench/processes.js';

describe('bench: CPU of the servers beside gus (PostgreSQL, Redis)', () => {
  it('counts only the processes alive at both readings', () => {
    const before = new Map([[1, 100], [2, 50]]);
    const after = new Map([[1, 130], [3, 999]]); // 2 exited, 3 started during the run: neither is counted
    expect(cpuUsedMs(before, after)).toBe(30);
  });

  it('finds processes by their command name, with their CPU time so far', () => {
    const name = readFileSync('/proc/self/comm', 'utf8').trim();
    const found = processesCpuMs([name]);
    const own = found.get(process.pid);
    expect(own).toBeDefined();
    const { user, system } = cpuTimeMs(process.pid);
    expect(own).toBeLessThanOrEqual(user + system);
    expect(processesCpuMs(['no-such-command-name'])).toEqual(new Map());
  });
});
