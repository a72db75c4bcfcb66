import type { FastifyRequest } from 'fastify';

/** A request header's value (the first, when sent more than once). */
export function headerOf(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
