import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { loadConfig } from '../libs/config/app-config.js';
import { applyHeapPolicy } from '../libs/config/heap-policy.js';
import { startTracing } from '../libs/tracing/tracing.js';

// A .env file may set the environment (PRODUCT.md §5); real environment variables win.
if (existsSync('.env')) process.loadEnvFile('.env');
// Tracing starts before the application's modules load, so that its instrumentations can patch them.
const tracing = await startTracing();
const config = loadConfig();
applyHeapPolicy(config.heapGrowingPercent);
const [{ Logger }, { createApp }] = await Promise.all([import('@nestjs/common'), import('./app.js')]);
const app = await createApp(config);
const logger = new Logger('Gus');
logger.log(tracing);
// A worker listens too, for its probes and /metrics only (see serveOnlyHealth).
await app.listen(config.port, config.host);
const { port } = app.getHttpServer().address() as { port: number };
if (config.role === 'worker') {
  logger.log(`listening on http://${config.host}:${port} (health and metrics only: GUS_ROLE=worker runs the background workers and serves no API)`);
} else {
  logger.log(`listening on http://${config.host}:${port} (web console at /, OpenAPI at /docs)${config.role === 'api' ? ' - GUS_ROLE=api: jobs are queued for worker processes' : ''}`);
}
