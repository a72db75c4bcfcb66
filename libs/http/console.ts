import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** The web console's files: web/console in the source tree, dist/web/console once built (scripts/build.mjs copies it). */
export const CONSOLE_ROOT = fileURLToPath(new URL('../../web/console/', import.meta.url));

/**
 * Serves the web console at / (index.html) and its files under /, one route per file (wildcard off), so that
 * every other path keeps gus's own JSON 404. The console is a client of /v1 like any other: no route of its own.
 * False when there is nothing to serve (a source run without a build).
 */
export function registerConsole(fastify: FastifyInstance, root = CONSOLE_ROOT): boolean {
  if (!existsSync(root)) return false;
  void fastify.register(async (instance) => {
    await instance.register(fastifyStatic, { root, prefix: '/', wildcard: false, index: 'index.html', decorateReply: false, cacheControl: true, maxAge: 0 });
  });
  return true;
}
