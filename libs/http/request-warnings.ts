import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** Warnings decided before the handler ran (a rate limit's soft limit), for a turn's `warnings`. */
    warnings?: string[];
  }
}

export function addRequestWarnings(req: FastifyRequest, warnings: string[]): void {
  if (warnings.length === 0) return;
  (req.warnings ??= []).push(...warnings);
}

export function requestWarnings(req: FastifyRequest): readonly string[] {
  return req.warnings ?? [];
}
