import type { SqlRunner } from './sql.js';

/**
 * A database transaction in progress. Contexts pass it through facades so that one context's write
 * (a usage event) commits or rolls back with another's (the assistant message): the outbox pattern.
 */
export type Transaction = SqlRunner;
