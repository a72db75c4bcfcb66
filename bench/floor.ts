/**
 * The floor under gus's added latency at c=1: what a turn must wait for however little gus itself does.
 *
 *   npm run build && node dist/bench/floor.js
 *
 * Measured alone, one at a time, on the bench's servers: a PostgreSQL read, an INSERT with its durable commit
 * (synchronous_commit as the server has it: on), a Redis script, and a bare Node pass-through (node:http in,
 * undici out to the simulator, JSON back), which is the least any Node gateway adds. A messages turn answered in
 * JSON waits for two Redis scripts (rate limit, reservation: the settlement is sent after the response), one read
 * (the conversation and its branch) and one commit (the question, its answer and the ledger row);
 * /v1/chat/completions for two scripts and one commit. Compare the sums with the peer's added latency that
 * `npm run bench` prints.
 */
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { request } from 'undici';
import { runLoad, type Target } from './load.js';
import { startSimulator, stopAllChildren } from './processes.js';
import { median } from './report.js';
import { BENCH_CONTENT } from './setup.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SAMPLES = 2000;
const WARM_UP = 200;

async function medianOf(work: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < WARM_UP; i++) await work();
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return median(times);
}

/** p50 at one connection over `amount` POSTs of `body` to `origin` + `path` (the bench's own load runner). */
async function p50At1(target: Target, origin: string, path: string, body: string, amount = 3000): Promise<number> {
  const result = await runLoad(
    { name: `floor ${target}`, target, connections: 1, origin, requestFor: () => ({ method: 'POST', path, headers: { 'content-type': 'application/json' }, body }) },
    { amount },
  );
  return result.latencyMs.p50;
}

async function passThrough(upstream: string): Promise<{ directMs: number; passThroughMs: number }> {
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const { model, messages } = JSON.parse(Buffer.concat(chunks).toString()) as { model: string; messages: unknown[] };
    const answer = await request(`${upstream}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, messages, stream: false }) });
    const { message } = (await answer.body.json()) as { message: unknown };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'floor', object: 'chat.completion', choices: [{ index: 0, message }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const body = JSON.stringify({ model: 'llama3.2:1b', messages: [{ role: 'user', content: BENCH_CONTENT }] });
  try {
    await p50At1('pass-through', origin, '/', body, 500);
    await p50At1('simulator', upstream, '/api/chat', body, 500);
    return { passThroughMs: await p50At1('pass-through', origin, '/', body), directMs: await p50At1('simulator', upstream, '/api/chat', body) };
  } finally {
    server.close();
  }
}

async function main(): Promise<void> {
  const databaseUrl = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
  const redisUrl = process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379';
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const redis = new Redis(redisUrl);
  const table = `gus_floor_${process.pid}`;
  try {
    const synchronousCommit = (await db.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]!.synchronous_commit;
    await db.query(`CREATE TABLE ${table} (id bigserial PRIMARY KEY, body text NOT NULL)`);
    const readMs = await medianOf(() => db.query({ name: 'floor_read', text: 'SELECT $1::int AS n', values: [1] }));
    const commitMs = await medianOf(() => db.query({ name: 'floor_insert', text: `INSERT INTO ${table} (body) VALUES ($1)`, values: ['x'.repeat(200)] }));
    redis.defineCommand('gusFloorProbe', { numberOfKeys: 1, lua: "local n = redis.call('INCR', KEYS[1]); redis.call('PEXPIRE', KEYS[1], 60000); return n" });
    const probe = redis as Redis & { gusFloorProbe(key: string): Promise<number> };
    const scriptMs = await medianOf(() => probe.gusFloorProbe(`gus-floor:{${process.pid}}`));

    const { url: upstream } = await startSimulator(ROOT);
    const { directMs, passThroughMs } = await passThrough(upstream);

    const nodeMs = passThroughMs - directMs;
    const messages = 2 * scriptMs + readMs + commitMs;
    const chat = 2 * scriptMs + commitMs;
    const f = (ms: number) => `${ms.toFixed(3)} ms`;
    console.log(`p50 alone: PostgreSQL read ${f(readMs)}, INSERT + commit ${f(commitMs)} (synchronous_commit ${synchronousCommit}), Redis script ${f(scriptMs)}`);
    console.log(`bare Node pass-through adds ${f(nodeMs)} (p50 ${f(passThroughMs)} against ${f(directMs)} direct)`);
    console.log(`floor of a messages turn: waits ${f(messages)} + pass-through ${f(nodeMs)} = ${f(messages + nodeMs)}`);
    console.log(`floor of /v1/chat/completions: waits ${f(chat)} + pass-through ${f(nodeMs)} = ${f(chat + nodeMs)}`);
  } finally {
    await db.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await db.end();
    redis.disconnect();
    await stopAllChildren();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
