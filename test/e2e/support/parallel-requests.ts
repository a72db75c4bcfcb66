import type { ApiClient } from './api-client.js';

/** Fires `count` GETs at once, spread round-robin over the clients, and tallies the answers by status. */
export async function fireAtOnce(clients: ApiClient[], path: string, count: number): Promise<{ byStatus: Record<number, number>; codes: Set<string> }> {
  const responses = await Promise.all(Array.from({ length: count }, (_, i) => clients[i % clients.length].get(path)));
  const byStatus: Record<number, number> = {};
  const codes = new Set<string>();
  for (const res of responses) {
    byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
    if (res.status >= 400) codes.add(res.body.code);
  }
  return { byStatus, codes };
}
