import { OllamaSimulator } from '../../src/llm/simulator/ollama-simulator.js';
import { ApiClient } from './support/api-client.js';
import { startGus, type RunningGus } from './support/gus-harness.js';
import { searchScenarios, seedSearchFixture, type SearchFixture } from './support/search-scenarios.js';

/** The same scenarios on embedded PGlite (PostgreSQL in WASM): the same hits, order, snippets and pages. */
describe('full-text search on the embedded database (PGlite)', () => {
  const simulator = new OllamaSimulator();
  let gus: RunningGus;
  let fixture: SearchFixture;

  beforeAll(async () => {
    gus = await startGus({ embedded: true, ollamaHost: await simulator.start() });
    expect(gus.config.databaseUrl).toBeUndefined();
    fixture = await seedSearchFixture(new ApiClient(gus.url));
  });
  afterAll(async () => {
    await gus?.stop();
    await simulator.stop();
  });

  searchScenarios(() => fixture);
});
