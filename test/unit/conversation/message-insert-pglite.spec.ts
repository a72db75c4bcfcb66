import type { PGlite } from '@electric-sql/pglite';
import type { DataSource } from 'typeorm';
import { sqlOnPGlite } from '../../../libs/database/sql.js';
import { draftMessage } from '../../../src/conversation/domain/message.js';
import { ConversationRepository } from '../../../src/conversation/repository/conversation.repository.js';
import { MessageRepository } from '../../../src/conversation/repository/message.repository.js';
import { migratedPGlite } from '../support/migrated-pglite.js';

const USER = '00000000-0000-0000-0000-000000000001';
const CONVERSATION = '00000000-0000-0000-0000-0000000000c1';

/** A turn's two inserts on the real schema (PGlite): what each does to the conversation row, and how. */
describe('storing a turn: the conversation row', () => {
  let db: PGlite;
  let messages: MessageRepository;
  let conversations: ConversationRepository;

  beforeAll(async () => {
    db = await migratedPGlite();
    const sql = sqlOnPGlite(db);
    messages = new MessageRepository(sql);
    conversations = new ConversationRepository({ getRepository: () => ({}) } as unknown as DataSource, sql); // only its SQL is used here
    await db.exec(`
      INSERT INTO users (id, email, role, plan) VALUES ('${USER}', 'a@x.invalid', 'user', 'free');
      INSERT INTO conversations (id, user_id, created_at, updated_at) VALUES ('${CONVERSATION}', '${USER}', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');`);
  }, 60_000);
  afterAll(async () => db?.close());

  const row = async () =>
    (await db.query<{ message_count: number; updated_at: Date; last_message_at: Date | null; current_leaf_id: string | null }>(
      `SELECT message_count, updated_at, last_message_at, current_leaf_id FROM conversations WHERE id = $1`, [CONVERSATION])).rows[0]!;
  const updates = async () => {
    await db.query(`SELECT pg_stat_force_next_flush()`);
    return (await db.query<{ upd: number; hot: number }>(`SELECT n_tup_upd::int AS upd, n_tup_hot_upd::int AS hot FROM pg_stat_user_tables WHERE relname = 'conversations'`)).rows[0]!;
  };

  it('keeps room on its pages for updates in place', async () => {
    const { rows } = await db.query<{ reloptions: string[] }>(`SELECT reloptions FROM pg_class WHERE relname = 'conversations'`);
    expect(rows[0]!.reloptions).toContain('fillfactor=70');
  });

  it('a question moves the counters and the leaf in place (a HOT update: no index entry); its answer moves the activity times', async () => {
    const before = await updates();
    const askedAt = new Date('2026-02-01T10:00:00Z');
    const question = draftMessage('00000000-0000-0000-0000-0000000000a1', CONVERSATION, null, { role: 'user', content: 'hello', tokenCount: 1, traceId: null }, askedAt);
    await messages.insertMessage(question, { makeCurrentLeaf: true });
    expect(await row()).toMatchObject({ message_count: 1, current_leaf_id: question.id, updated_at: new Date('2026-01-01T00:00:00Z'), last_message_at: null });
    const afterQuestion = await updates();
    expect(afterQuestion).toEqual({ upd: before.upd + 1, hot: before.hot + 1 });

    const answeredAt = new Date('2026-02-01T10:00:02Z');
    const answer = draftMessage('00000000-0000-0000-0000-0000000000a2', CONVERSATION, question, { role: 'assistant', content: 'hi', tokenCount: 1, traceId: null }, answeredAt);
    await messages.insertMessage(answer, { makeCurrentLeaf: true });
    expect(await row()).toMatchObject({ message_count: 2, current_leaf_id: answer.id, updated_at: answeredAt, last_message_at: answeredAt });
    expect((await updates()).upd).toBe(afterQuestion.upd + 1);
  });

  it('a conversation with a question in flight is not idle, though its activity time is old; once answered and quiet, it is', async () => {
    const other = '00000000-0000-0000-0000-0000000000c2';
    await db.exec(`INSERT INTO conversations (id, user_id, created_at, updated_at, last_message_at) VALUES ('${other}', '${USER}', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`);
    const question = draftMessage('00000000-0000-0000-0000-0000000000b1', other, null, { role: 'user', content: 'still there?', tokenCount: 3, traceId: null }, new Date('2026-03-01T00:00:00Z'));
    await messages.insertMessage(question, { makeCurrentLeaf: true });
    const state = async (id: string) => (await db.query<{ state: string }>(`SELECT state FROM conversations WHERE id = $1`, [id])).rows[0]!.state;
    const idleSince = new Date('2026-02-15T00:00:00Z');
    await conversations.markIdleInactive(idleSince, new Date('2026-03-01T00:00:01Z'));
    expect(await state(other)).toBe('active'); // the question is in flight
    const answer = draftMessage('00000000-0000-0000-0000-0000000000b2', other, question, { role: 'assistant', content: 'yes', tokenCount: 1, traceId: null }, new Date('2026-03-01T00:00:02Z'));
    await messages.insertMessage(answer, { makeCurrentLeaf: true });
    await conversations.markIdleInactive(new Date('2026-03-20T00:00:00Z'), new Date('2026-03-20T00:00:00Z'));
    expect(await state(other)).toBe('inactive');
  });

  it('the failed answer the sweeper writes for an abandoned question moves the activity times as an answer does', async () => {
    const third = '00000000-0000-0000-0000-0000000000c3';
    await db.exec(`INSERT INTO conversations (id, user_id, created_at, updated_at, last_message_at) VALUES ('${third}', '${USER}', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`);
    const question = draftMessage('00000000-0000-0000-0000-0000000000d1', third, null, { role: 'user', content: 'anyone?', tokenCount: 2, traceId: null }, new Date('2026-03-01T00:00:00Z'));
    await messages.insertMessage(question, { makeCurrentLeaf: true });
    const sweptAfter = new Date();
    expect(await messages.closeAbandonedQuestions(new Date(Date.now() + 60_000), 10, 'LLM_TIMEOUT')).toEqual(expect.arrayContaining([{ questionId: question.id, conversationId: third }]));
    const { rows } = await db.query<{ updated_at: Date; last_message_at: Date; message_count: number }>(`SELECT updated_at, last_message_at, message_count FROM conversations WHERE id = $1`, [third]);
    expect(rows[0]!.message_count).toBe(2);
    expect(rows[0]!.last_message_at.getTime()).toBeGreaterThanOrEqual(sweptAfter.getTime() - 1000);
    expect(rows[0]!.updated_at.getTime()).toBeGreaterThanOrEqual(sweptAfter.getTime() - 1000);
  });
});
