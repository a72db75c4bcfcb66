/**
 * The peer gateway the bench holds gus against: Portkey's open-source AI gateway (`@portkey-ai/gateway`, a
 * devDependency), a stateless TypeScript gateway with no auth and no persistence, pointed at the same
 * simulator. Its OpenAI-compatible provider reaches the simulator's `/v1/chat/completions`.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { AutocannonRequest } from 'autocannon';
import { freePort, startNode, type Child } from './processes.js';

export const PEER_NAME = 'Portkey gateway 1.15.2';

export interface Peer {
  child: Child;
  url: string;
  /** A non-streamed chat completion through the peer to the simulator. */
  request(body: string): AutocannonRequest;
}

function portkeyScript(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@portkey-ai/gateway/package.json')), 'build/start-server.js');
}

export async function startPortkey(simulatorUrl: string, cwd: string): Promise<Peer> {
  const port = await freePort();
  // NODE_ENV=production and --headless: no UI routes, no log streaming page.
  const child = startNode('portkey', portkeyScript(), [`--port=${port}`, '--headless'], { ...process.env, NODE_ENV: 'production' }, cwd);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.proc.exitCode !== null) throw new Error(`Portkey exited while starting:\n${child.log.lines.join('\n')}`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(1000) }).then((res) => res.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`Portkey did not answer within 30 s:\n${child.log.lines.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const headers = {
    'content-type': 'application/json',
    authorization: 'Bearer sk-bench',
    'x-portkey-provider': 'openai',
    'x-portkey-custom-host': `${simulatorUrl}/v1`,
  };
  return { child, url, request: (body) => ({ method: 'POST', path: '/v1/chat/completions', headers, body }) };
}
