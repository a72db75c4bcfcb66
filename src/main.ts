import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadConfig } from '../libs/config/app-config.js';
import { createApp } from './app.js';

const config = loadConfig();
const app = await createApp(config);
if (config.role === 'worker') {
  await app.init();
  new Logger('Gus').log('running background workers only (GUS_ROLE=worker)');
} else {
  await app.listen(config.port, config.host);
  new Logger('Gus').log(`listening on http://${config.host}:${config.port} (OpenAPI at /docs)`);
}
