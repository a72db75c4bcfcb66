import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from './gus-harness.js';

/**
 * A three-node Redis Cluster of a test's own (no replicas, no persistence), in a temp dir on free ports:
 * `redis-server --cluster-enabled yes` per node, then `redis-cli --cluster create … --cluster-yes`.
 */
export class DisposableRedisCluster {
  private readonly processes: ChildProcess[] = [];
  private dir = '';
  ports: number[] = [];

  /** host:port,host:port,host:port — what REDIS_CLUSTER_NODES takes. */
  get nodes(): string {
    return this.ports.map((port) => `127.0.0.1:${port}`).join(',');
  }

  async start(size = 3): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), 'gus-redis-cluster-'));
    while (this.ports.length < size) {
      const port = await freeClusterPort(this.ports);
      this.ports.push(port);
    }
    for (const port of this.ports) {
      const child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000', '--save', '', '--appendonly', 'no', '--dir', this.dir],
        { stdio: 'ignore' },
      );
      this.processes.push(child);
    }
    for (const port of this.ports) await eventually(() => cli(port, 'PING').then((out) => void expectText(out, 'PONG')), 5000);
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...this.ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed:\n${created.stdout}\n${created.stderr}`);
    for (const port of this.ports) await eventually(() => cli(port, 'CLUSTER', 'INFO').then((out) => void expectText(out, 'cluster_state:ok')), 10_000);
  }

  /** Keys held by each node (a sharded cluster holds keys on several). */
  async keysPerNode(): Promise<number[]> {
    return Promise.all(this.ports.map(async (port) => Number((await cli(port, 'DBSIZE')).trim())));
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.processes.map((child) => {
        if (child.exitCode !== null) return undefined;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        return exited;
      }),
    );
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}

function expectText(out: string, text: string): void {
  if (!out.includes(text)) throw new Error(`expected ${text}, got ${out}`);
}

function cli(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-cli', ['-p', String(port), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`redis-cli exited ${code}`))));
  });
}

/** A port whose cluster bus port (port + 10000) is free too. */
async function freeClusterPort(taken: number[]): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if (taken.includes(port)) continue;
    if ((await isFree(port)) && (await isFree(port + 10_000))) return port;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
