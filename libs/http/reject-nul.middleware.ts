import type { NextFunction, Request, Response } from 'express';
import { DomainError } from '../errors/domain-error.js';

/** PostgreSQL text and jsonb cannot hold U+0000: refuse it at the door instead of failing at the database. */
export function rejectNulCharacters(req: Request, _res: Response, next: NextFunction): void {
  next(containsNul(req.body) ? new DomainError('INVALID_REQUEST', 'text may not contain NUL (U+0000) characters') : undefined);
}

function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(containsNul);
  if (value && typeof value === 'object') return Object.entries(value).some(([key, item]) => key.includes('\u0000') || containsNul(item));
  return false;
}
