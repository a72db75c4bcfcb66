import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { loadConfig } from '../libs/config/app-config.js';
import { createApp } from './app.js';

// A .env file may set the environment (PRODUCT.md §5); real environment variables win.
if (existsSync('.env')) process.loadEnvFile('.env');
const config = loadConfig();
const app = await createApp(config);
if (config.role === 'worker') {
  await app.init();
  new Logger('Gus').log('running background workers only (GUS_ROLE=worker)');
} else {
  await app.listen(config.port, config.host);
  const { port } = app.getHttpServer().address() as { port: number };
  new Logger('Gus').log(`listening on http://${config.host}:${port} (OpenAPI at /docs)`);
}
