import pg from 'pg';
import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { SEARCH_MESSAGES_SQL } from '../../src/conversation/repository/message-search.repository.js';
import { ApiClient } from './support/api-client.js';
import { startGus, type RunningGus } from './support/gus-harness.js';
import { searchScenarios, seedSearchFixture, type SearchFixture } from './support/search-scenarios.js';

describe('full-text search over HTTP (PostgreSQL + Redis)', () => {
  const simulator = new OllamaSimulator();
  let gus: RunningGus;
  let fixture: SearchFixture;

  beforeAll(async () => {
    gus = await startGus({ ollamaHost: await simulator.start() });
    fixture = await seedSearchFixture(new ApiClient(gus.url));
  });
  afterAll(async () => {
    await gus?.stop();
    await simulator.stop();
  });

  searchScenarios(() => fixture);

  describe('the GIN indexes', () => {
    /** The plan of `sql` with sequential scans priced out (a table this small would otherwise be scanned). */
    const plan = async (sql: string, params: unknown[] = []): Promise<string> => {
      const client = new pg.Client({ connectionString: gus.env.DATABASE_URL });
      await client.connect();
      try {
        await client.query('SET enable_seqscan = off');
        const rows = (await client.query(`EXPLAIN ${sql}`, params)).rows as Array<{ 'QUERY PLAN': string }>;
        return rows.map((row) => row['QUERY PLAN']).join('\n');
      } finally {
        await client.end();
      }
    };

    it('serves the word conditions on messages and titles', async () => {
      expect(await plan(`SELECT id FROM messages WHERE content_tsv @@ websearch_to_tsquery('simple', $1)`, ['zanzibar'])).toContain('messages_content_tsv_idx');
      expect(await plan(`SELECT id FROM conversations WHERE title_tsv @@ websearch_to_tsquery('simple', $1)`, ['quokka'])).toContain('conversations_title_tsv_idx');
    });

    it('leave the search query an indexed path (the GIN index, or the user\'s conversations then their messages)', async () => {
      const [owner] = await gus.query<{ user_id: string }>('SELECT user_id FROM conversations WHERE id = $1', [fixture.conversations.holiday]);
      const explained = await plan(SEARCH_MESSAGES_SQL, [owner!.user_id, 'zanzibar', null, null, null, 21]);
      expect(explained).not.toMatch(/Seq Scan on (messages|conversations)/);
      expect(explained).toMatch(/messages_content_tsv_idx|messages_conversation_idx/);
    });
  });
});
