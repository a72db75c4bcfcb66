import { PGlite } from '@electric-sql/pglite';
import { sqlOnPGlite, statement, type Sql } from '../../../libs/database/sql.js';

/** The embedded default's SQL runner: hot statements prepared once, with the same results, errors and locking as PGlite's own query. */
describe('Sql on PGlite: prepared statements', () => {
  let db: PGlite;
  let sql: Sql;

  beforeAll(async () => {
    db = new PGlite();
    await db.exec(`CREATE TABLE items (id uuid PRIMARY KEY, n int NOT NULL, big bigint, at timestamptz, doc jsonb, tags text[], ok boolean)`);
    sql = sqlOnPGlite(db);
  }, 60_000);
  afterAll(async () => db?.close());

  const INSERT = statement(`INSERT INTO items (id, n, big, at, doc, tags, ok) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`);
  const BY_IDS = statement(`SELECT id, n, big, at, doc, tags, ok FROM items WHERE id = ANY($1::uuid[]) ORDER BY n`);

  it('returns what PGlite’s own query returns, parameter types and result types alike, call after call', async () => {
    const at = new Date('2026-12-03T10:00:00.123Z');
    const rows = [
      ['00000000-0000-0000-0000-000000000001', 1, 9_007_199_254_740_000n, at, JSON.stringify({ a: [1, 'x'] }), ['p', 'q'], true],
      ['00000000-0000-0000-0000-000000000002', 2, null, null, null, null, false],
      ['00000000-0000-0000-0000-000000000003', 3, 42, at.toISOString(), { nested: { b: null } }, [], null],
    ];
    for (const params of rows) {
      const [stored] = await sql.query(INSERT, params);
      expect(stored).toEqual((await db.query(`SELECT * FROM items WHERE id = $1`, [params[0]])).rows[0]);
    }
    const ids = rows.map((row) => row[0]);
    const prepared = await sql.query(BY_IDS, [ids]);
    expect(prepared).toEqual((await db.query(BY_IDS.text, [ids])).rows);
    expect(prepared[0]).toMatchObject({ n: 1, at, doc: { a: [1, 'x'] }, tags: ['p', 'q'], ok: true });
    expect(await sql.query(BY_IDS, [[]])).toEqual([]);
  });

  it('throws the database’s error with its code, and the session goes on', async () => {
    const params = ['00000000-0000-0000-0000-000000000001', 9, null, null, null, null, null];
    await expect(sql.query(INSERT, params)).rejects.toMatchObject({ code: '23505' });
    expect(await sql.query(BY_IDS, [['00000000-0000-0000-0000-000000000001']])).toHaveLength(1);
    await expect(sql.query(statement(`SELECT no_such_column FROM items`))).rejects.toMatchObject({ code: '42703' });
    expect(await sql.query(BY_IDS, [['00000000-0000-0000-0000-000000000002']])).toHaveLength(1);
  });

  it('never runs inside another caller’s transaction: it waits for it, and survives its rollback', async () => {
    let inside!: () => void;
    const transactionOpen = new Promise<void>((resolve) => (inside = resolve));
    let finish!: () => void;
    const held = new Promise<void>((resolve) => (finish = resolve));
    const rolledBack = sql
      .transaction(async (tx) => {
        await tx.query(`INSERT INTO items (id, n) VALUES ('00000000-0000-0000-0000-0000000000a1', 100)`);
        inside();
        await held;
        throw new Error('roll back');
      })
      .catch((error: Error) => error.message);
    await transactionOpen;
    let landed = false;
    const write = sql.query(INSERT, ['00000000-0000-0000-0000-0000000000b1', 200, null, null, null, null, null]).then(() => (landed = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(landed).toBe(false); // waiting for the transaction's lock
    finish();
    expect(await rolledBack).toBe('roll back');
    await write;
    const found = await sql.query<{ n: number }>(BY_IDS, [['00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000b1']]);
    expect(found.map((row) => row.n)).toEqual([200]);
  });

  it('a second runner on the same session prepares the same statement again without a clash', async () => {
    const other = sqlOnPGlite(db);
    const ids = [['00000000-0000-0000-0000-000000000002']];
    expect(await other.query(BY_IDS, ids)).toEqual(await sql.query(BY_IDS, ids));
    expect(await sql.query(BY_IDS, ids)).toHaveLength(1);
  });
});
