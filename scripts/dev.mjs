#!/usr/bin/env node
// `npm run start:dev`: build what changed, then run gus; `node --watch-path` restarts this script on every change.
import { spawn } from 'node:child_process';

await import('./build.mjs');
const gus = spawn(process.execPath, ['--enable-source-maps', 'dist/src/main.js'], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => gus.kill(signal));
gus.on('exit', (code) => process.exit(code ?? 0));
