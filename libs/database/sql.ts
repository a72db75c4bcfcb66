import type { PGlite, Transaction as PGliteTransaction } from '@electric-sql/pglite';
import type { Pool, PoolClient } from 'pg';
import type { DataSource } from 'typeorm';

/** A statement that runs often: on PostgreSQL it is prepared once per connection and then sent by name. */
export interface Statement {
  name: string;
  text: string;
}

let statements = 0;
/** Declares a hot statement (a module-level constant: one name per SQL text). */
export function statement(text: string): Statement {
  return { name: `gus_${++statements}`, text };
}

/** What runs SQL: the database, or a transaction on it. */
export interface SqlRunner {
  query<T = Record<string, unknown>>(sql: string | Statement, params?: readonly unknown[]): Promise<T[]>;
}

/**
 * The SQL every repository runs, straight on the driver: `pg`'s pool (the one TypeORM opened) on PostgreSQL,
 * the PGlite instance on the embedded default. TypeORM keeps the migrations and the query-builder reads;
 * the hot path skips its per-query overhead (a query runner, logging, result wrapping). A transaction on
 * PGlite holds PGlite's own lock, so concurrent requests cannot interleave statements in one session.
 * Result rows come back as the driver parses them: timestamps as Date, jsonb parsed, bigint as text or number.
 */
export abstract class Sql implements SqlRunner {
  abstract query<T = Record<string, unknown>>(sql: string | Statement, params?: readonly unknown[]): Promise<T[]>;
  abstract transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T>;
}

class PostgresSql extends Sql {
  constructor(private readonly pool: Pool) {
    super();
  }

  async query<T>(sql: string | Statement, params: readonly unknown[] = []): Promise<T[]> {
    const result = await this.pool.query(typeof sql === 'string' ? { text: sql, values: params as unknown[] } : { name: sql.name, text: sql.text, values: params as unknown[] });
    return result.rows as T[];
  }

  async transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    const client: PoolClient = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work({
        query: async <R>(sql: string | Statement, params: readonly unknown[] = []) =>
          (await client.query(typeof sql === 'string' ? { text: sql, values: params as unknown[] } : { name: sql.name, text: sql.text, values: params as unknown[] })).rows as R[],
      });
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

class PGliteSql extends Sql {
  constructor(private readonly db: PGlite) {
    super();
  }

  async query<T>(sql: string | Statement, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.db.query<T>(typeof sql === 'string' ? sql : sql.text, params as unknown[])).rows;
  }

  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return this.db.transaction((tx: PGliteTransaction) =>
      work({ query: async <R>(sql: string | Statement, params: readonly unknown[] = []) => (await tx.query<R>(typeof sql === 'string' ? sql : sql.text, params as unknown[])).rows }),
    );
  }
}

/** The Sql beside an initialised TypeORM data source: its pg pool, or the PGlite instance it opened. */
export async function sqlFor(dataSource: DataSource, embedded: boolean): Promise<Sql> {
  if (!embedded) return new PostgresSql((dataSource.driver as unknown as { master: Pool }).master);
  const { getPGliteInstance } = await import('typeorm-pglite');
  // typeorm-pglite is CommonJS: its PGlite type is the CommonJS build's, the same class at run time.
  return new PGliteSql((await getPGliteInstance()) as unknown as PGlite);
}
