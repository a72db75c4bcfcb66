import net from 'node:net';
import { ApiClient } from './support/api-client.js';
import { startGus } from './support/gus-harness.js';

describe('a model server that cannot be reached (PostgreSQL + Redis)', () => {
  it('answers 503 LLM_UNAVAILABLE when the model server cannot be reached at all', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const lonely = await startGus({ ollamaHost: `http://127.0.0.1:${closedPort}` });
    try {
      const client = await new ApiClient(lonely.url).asAdmin();
      const id = (await client.post('/v1/conversations', {})).body.id;
      const res = await client.post(`/v1/conversations/${id}/messages`, { content: 'anyone there?' });
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('LLM_UNAVAILABLE');
      const ready = await client.get('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.error.model.status).toBe('down');
      const stored = await lonely.query(`SELECT role, status FROM messages WHERE conversation_id = $1 ORDER BY depth`, [id]); // the tree order: an answer that failed at once can share its question's millisecond
      expect(stored).toEqual([{ role: 'user', status: 'complete' }, { role: 'assistant', status: 'failed' }]);
    } finally {
      await lonely.stop();
    }
  });
});
