/**
 * The streaming case: how long after the model server writes a token does gus's `message.delta` for it
 * reach the client? The simulator notes the wall-clock time it wrote each chunk (GET /_simulator/token-times);
 * the bench notes when each delta arrived. Both run on this machine, so the clocks agree. The reply is paced
 * ([[sim:tps=…]]) so that every token is its own chunk and must become its own delta.
 */
import http from 'node:http';
import { round } from './load.js';
import type { Seed } from './setup.js';

const TOKENS_PER_SECOND = 50;
const FIRST_TOKEN_LATENCY_MS = 20;
const REPLY_TOKENS = 12;
const CONTENT = `Streaming benchmark turn. [[sim:tps=${TOKENS_PER_SECOND}]] [[sim:latency=${FIRST_TOKEN_LATENCY_MS}]] [[sim:tokens=${REPLY_TOKENS}]]`;

export interface StreamingReport {
  turns: number;
  /** Median and p90 over the turns of (first delta received − first token written), ms. */
  firstDeltaLagMs: { p50: number; p90: number };
  /** Median over every delta of (delta received − its token written), ms. */
  deltaLagP50Ms: number;
  /** Deltas received ÷ chunks the model wrote: 1 when each token is forwarded as it arrives. */
  deltasPerToken: number;
}

const wallClock = (): number => performance.timeOrigin + performance.now();

/** One streamed turn; resolves with the arrival time of each message.delta. */
function streamTurn(gusUrl: string, apiKey: string, seed: Seed, agent: http.Agent): Promise<number[]> {
  const body = JSON.stringify({ content: CONTENT, parentId: seed.parentId, stream: true });
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${gusUrl}/v1/conversations/${seed.conversationId}/messages`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return reject(new Error(`streamed turn answered ${res.statusCode}`));
        }
        const arrivals: number[] = [];
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const at = wallClock();
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            // Each event is `id: n` then `event: name` then `data: …` (the id lets a client resume).
            if (/^event: message\.delta$/m.test(event)) arrivals.push(at);
            if (/^event: error$/m.test(event)) reject(new Error(`stream error: ${event}`));
          }
        });
        res.on('end', () => resolve(arrivals));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function lastTokenTimes(simulatorUrl: string): Promise<number[]> {
  const res = await fetch(`${simulatorUrl}/_simulator/token-times`);
  const all = (await res.json()) as Array<{ writtenAt: number[] }>;
  return all.at(-1)?.writtenAt ?? [];
}

export async function measureStreaming(gusUrl: string, apiKey: string, simulatorUrl: string, seed: Seed, turns: number): Promise<StreamingReport> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const firstLags: number[] = [];
  const lags: number[] = [];
  let deltas = 0;
  let tokens = 0;
  try {
    await streamTurn(gusUrl, apiKey, seed, agent); // warm-up
    for (let i = 0; i < turns; i++) {
      const arrivals = await streamTurn(gusUrl, apiKey, seed, agent);
      const written = await lastTokenTimes(simulatorUrl);
      deltas += arrivals.length;
      tokens += written.length;
      if (arrivals.length && written.length) firstLags.push(arrivals[0]! - written[0]!);
      for (let j = 0; j < Math.min(arrivals.length, written.length); j++) lags.push(arrivals[j]! - written[j]!);
    }
  } finally {
    agent.destroy();
  }
  return {
    turns,
    firstDeltaLagMs: { p50: round(quantile(firstLags, 0.5), 2), p90: round(quantile(firstLags, 0.9), 2) },
    deltaLagP50Ms: round(quantile(lags, 0.5), 2),
    deltasPerToken: round(tokens ? deltas / tokens : 0, 3),
  };
}

export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
