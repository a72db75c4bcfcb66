import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { eventually } from './gus-harness.js';

/** A Redis of a test's own (redis-server, no persistence), so that stopping it disturbs nothing else on the machine. */
export class DisposableRedis {
  private process: ChildProcess | null = null;
  constructor(readonly port: number) {}

  static async onFreePort(): Promise<DisposableRedis> {
    return new DisposableRedis(await freePort());
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it, empty. */
  async start(): Promise<void> {
    this.process = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await eventually(() => ping(this.port), 5000);
  }

  /** Kills it: everything it held is gone. */
  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

function ping(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.once('data', (data) => (socket.end(), data.toString().includes('PONG') ? resolve() : reject(new Error('no PONG'))));
    socket.once('error', reject);
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
