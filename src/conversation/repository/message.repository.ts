import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { notFound } from '../../../libs/errors/domain-error.js';
import { Sql, statement, type SqlRunner } from '../../../libs/database/sql.js';
import { TOKENS_PER_MESSAGE, type ContextSummary } from '../domain/context-window.js';
import type { Conversation, ConversationState } from '../domain/conversation.js';
import type { Message, MessageRole, MessageStatus, TurnContext } from '../domain/message.js';

interface MessageRow {
  id: string;
  conversation_id: string;
  parent_id: string | null;
  role: string;
  content: string;
  status: string;
  depth: number;
  token_count: number;
  model: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  latency_ms: number | null;
  ttft_ms: number | null;
  cost_micros: string | number | null;
  error_code: string | null;
  trace_id: string | null;
  context: TurnContext | null;
  created_at: Date | string;
  completed_at: Date | string | null;
}

export interface ConversationRow {
  id: string;
  user_id: string;
  title: string | null;
  model: string | null;
  system_prompt: string | null;
  metadata: Record<string, unknown>;
  state: string;
  state_changed_at: Date | string;
  current_leaf_id: string | null;
  message_count: number;
  created_at: Date | string;
  updated_at: Date | string;
  last_message_at: Date | string | null;
  forked_from_conversation_id: string | null;
  forked_from_message_id: string | null;
  temporary: boolean;
}

const COLUMNS = [
  'id', 'conversation_id', 'parent_id', 'role', 'content', 'status', 'depth', 'token_count', 'model', 'prompt_tokens',
  'completion_tokens', 'latency_ms', 'ttft_ms', 'cost_micros', 'error_code', 'trace_id', 'context', 'created_at', 'completed_at',
];
const MESSAGE_COLUMNS = COLUMNS.join(', ');
const M_COLUMNS = COLUMNS.map((c) => `m.${c}`).join(', ');
export const CONVERSATION_COLUMNS =
  'id, user_id, title, model, system_prompt, metadata, state, state_changed_at, current_leaf_id, message_count, created_at, updated_at, last_message_at, forked_from_conversation_id, forked_from_message_id, temporary';

const toMessage = (row: MessageRow): Message => ({
  id: row.id,
  conversationId: row.conversation_id,
  parentId: row.parent_id,
  role: row.role as MessageRole,
  content: row.content,
  status: row.status as MessageStatus,
  depth: row.depth,
  tokenCount: row.token_count,
  model: row.model,
  promptTokens: row.prompt_tokens,
  completionTokens: row.completion_tokens,
  latencyMs: row.latency_ms,
  ttftMs: row.ttft_ms,
  costMicros: row.cost_micros === null ? null : Number(row.cost_micros),
  errorCode: row.error_code,
  traceId: row.trace_id,
  context: row.context,
  createdAt: new Date(row.created_at),
  completedAt: row.completed_at ? new Date(row.completed_at) : null,
});

export const toConversation = (row: ConversationRow): Conversation => ({
  id: row.id,
  userId: row.user_id,
  title: row.title,
  model: row.model,
  systemPrompt: row.system_prompt,
  metadata: row.metadata,
  state: row.state as ConversationState,
  stateChangedAt: new Date(row.state_changed_at),
  currentLeafId: row.current_leaf_id,
  messageCount: row.message_count,
  createdAt: new Date(row.created_at),
  updatedAt: new Date(row.updated_at),
  lastMessageAt: row.last_message_at ? new Date(row.last_message_at) : null,
  forkedFromConversationId: row.forked_from_conversation_id,
  forkedFromMessageId: row.forked_from_message_id,
  temporary: row.temporary,
});

const byDepth = (a: Message, b: Message): number => a.depth - b.depth;

/**
 * The walk up a branch within a token budget: follows parent ids (primary-key lookups) from the leaf and
 * stops once the running sum of stored token counts passes the budget, so a turn costs the same in a
 * 10-message and a 10,000-message conversation. $1 conversation, $2 leaf, $3 budget.
 */
const WALK = `walk AS (
  SELECT ${MESSAGE_COLUMNS}, token_count + ${TOKENS_PER_MESSAGE} AS running FROM messages WHERE id = $2 AND conversation_id = $1
  UNION ALL
  SELECT ${M_COLUMNS}, w.running + m.token_count + ${TOKENS_PER_MESSAGE}
  FROM messages m JOIN walk w ON m.id = w.parent_id
  WHERE w.running <= $3
)`;

/**
 * The start of a turn in one round trip: the conversation if it is the caller's, and the newest part of the
 * branch its context can use. The leaf is the given parent or the conversation's current leaf; the budget is
 * looked up for the turn's model (given, else the conversation's, else the default) in the plan's budgets.
 * $1 conversation, $2 user, $3 parent or null, $4 {model: budget} (jsonb), $5 requested model or null,
 * $6 default model, $7 budget for a model not in $4.
 */
const OPEN_TURN = statement(`
  WITH RECURSIVE conv AS (
    SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE id = $1 AND user_id = $2
  ),
  start AS (
    SELECT coalesce($3::uuid, conv.current_leaf_id) AS leaf,
           coalesce(($4::jsonb ->> coalesce($5::text, conv.model, $6::text))::int, $7::int) AS budget
    FROM conv
  ),
  walk AS (
    SELECT ${M_COLUMNS}, m.token_count + ${TOKENS_PER_MESSAGE} AS running
    FROM messages m JOIN start ON m.id = start.leaf WHERE m.conversation_id = $1
    UNION ALL
    SELECT ${M_COLUMNS}, w.running + m.token_count + ${TOKENS_PER_MESSAGE}
    FROM messages m JOIN walk w ON m.id = w.parent_id, start
    WHERE w.running <= start.budget
  )
  SELECT (SELECT row_to_json(conv) FROM conv) AS conversation,
         (SELECT coalesce(json_agg(walk ORDER BY depth), '[]'::json) FROM walk) AS branch`);

const WALK_WITHIN_BUDGET = statement(`WITH RECURSIVE ${WALK} SELECT * FROM walk`);

const FIND_MESSAGE = statement(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = $1 AND conversation_id = $2`);

/**
 * Stores a message, bumps the conversation's counters and makes it the current leaf when asked ($21), in one
 * statement; a question is recorded as open until the statement storing its answer closes it. An inactive conversation becomes active again with its next message, and that change is
 * recorded too. $20 is the time the conversation is touched at.
 *
 * Only an answer (or any message but a question) moves the conversation's activity times: updated_at and
 * last_message_at are indexed, so an UPDATE that changes them writes a new entry into every index of the
 * table, while one that changes only the counters and the leaf stays on its page (a HOT update, with the room
 * the table's fillfactor keeps). A question is followed by its answer, or by the failed answer the sweeper
 * writes for an abandoned one, within GUS_LLM_TIMEOUT_MS.
 */
const INSERT_MESSAGE_CTES = `
  inserted AS (
    INSERT INTO messages (${MESSAGE_COLUMNS})
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
  ),
  updated AS (
    UPDATE conversations c SET message_count = c.message_count + 1,
      last_message_at = CASE WHEN $4 = 'user' THEN c.last_message_at ELSE $20 END,
      updated_at = CASE WHEN $4 = 'user' THEN c.updated_at ELSE $20 END,
      state = CASE WHEN c.state = 'inactive' THEN 'active' ELSE c.state END,
      state_changed_at = CASE WHEN c.state = 'inactive' THEN $20 ELSE c.state_changed_at END,
      current_leaf_id = CASE WHEN $21 THEN $1::uuid ELSE c.current_leaf_id END
    FROM (SELECT state AS old_state FROM conversations WHERE id = $2) previous
    WHERE c.id = $2
    RETURNING previous.old_state
  ),
  question_opened AS (
    INSERT INTO open_questions (message_id, conversation_id, opened_at) SELECT $1, $2, $18 WHERE $4 = 'user'
  ),
  question_answered AS (
    DELETE FROM open_questions WHERE $4 = 'assistant' AND message_id = $3
  )`;
/** Records an inactive conversation's waking up; `$at` is the parameter holding the time. */
const recordWakeUp = (at: string): string => `INSERT INTO conversation_state_changes (conversation_id, from_state, to_state, reason, changed_at)
  SELECT $2, 'inactive', 'active', 'new message', ${at} FROM updated WHERE old_state = 'inactive'`;
const RECORD_WAKE_UP = recordWakeUp('$20');
const INSERT_MESSAGE = statement(`WITH ${INSERT_MESSAGE_CTES} ${RECORD_WAKE_UP}`);
/** Parameters after the message's own 21: where a caller's extra CTE (the usage ledger row) starts. */
export const AFTER_MESSAGE_PARAMS = 22;

/**
 * A whole turn, question ($1–$19) and answer ($20–$38), in one statement: the conversation gains both, is
 * touched at $39 and ends its branch at $40 (the answer, or the question when the answer failed). No
 * open_questions row: the question is never stored without its answer record.
 */
const INSERT_TURN_CTES = `
  inserted AS (
    INSERT INTO messages (${MESSAGE_COLUMNS})
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19),
           ($20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36, $37, $38)
  ),
  updated AS (
    UPDATE conversations c SET message_count = c.message_count + 2, last_message_at = $39, updated_at = $39,
      state = CASE WHEN c.state = 'inactive' THEN 'active' ELSE c.state END,
      state_changed_at = CASE WHEN c.state = 'inactive' THEN $39 ELSE c.state_changed_at END,
      current_leaf_id = $40::uuid
    FROM (SELECT state AS old_state FROM conversations WHERE id = $2) previous
    WHERE c.id = $2
    RETURNING previous.old_state
  )`;
const INSERT_TURN = statement(`WITH ${INSERT_TURN_CTES} ${recordWakeUp('$39')}`);
/** Parameters after a turn's own 40: where a caller's extra CTE (the usage ledger row) starts. */
export const AFTER_TURN_PARAMS = 41;

/**
 * A message's insert that breaks a foreign key found its conversation (or its parent, which goes only with the
 * conversation) deleted while the turn ran: 404, as for a conversation that was never there.
 */
function conversationGone(error: unknown): never {
  const { code, constraint } = error as { code?: string; constraint?: string };
  if (code === '23503' && (constraint === 'messages_conversation_id_fkey' || constraint === 'messages_parent_id_fkey')) throw notFound('conversation');
  throw error;
}

/** The 19 columns of one message, in MESSAGE_COLUMNS' order. */
function rowParams(message: Message): unknown[] {
  return [
    message.id, message.conversationId, message.parentId, message.role, message.content, message.status, message.depth,
    message.tokenCount, message.model, message.promptTokens, message.completionTokens, message.latencyMs, message.ttftMs,
    message.costMicros, message.errorCode, message.traceId, message.context === null ? null : JSON.stringify(message.context),
    message.createdAt, message.completedAt,
  ];
}

function messageParams(message: Message, makeCurrentLeaf: boolean): unknown[] {
  return [...rowParams(message), message.completedAt ?? message.createdAt, makeCurrentLeaf];
}

function turnParams(question: Message, answer: Message, makeAnswerCurrentLeaf: boolean): unknown[] {
  return [...rowParams(question), ...rowParams(answer), answer.completedAt ?? answer.createdAt, makeAnswerCurrentLeaf ? answer.id : question.id];
}

/**
 * Closes questions whose turn died (their process stopped before the answer was stored): each gets a failed
 * answer with `errorCode` $3 that becomes the branch's leaf where the question was, so that the next turn
 * follows an answer. At most one question per conversation per statement (the conversation row is updated
 * once); SKIP LOCKED lets several instances sweep at once without answering a question twice.
 * $1 opened before, $2 how many, $3 the error code. Returns one row per closed question.
 */
const CLOSE_ABANDONED_QUESTIONS = statement(`
  WITH locked AS (
    SELECT message_id, conversation_id, opened_at FROM open_questions
    WHERE opened_at < $1 ORDER BY opened_at LIMIT $2 FOR UPDATE SKIP LOCKED
  ),
  due AS (
    SELECT DISTINCT ON (conversation_id) message_id FROM locked ORDER BY conversation_id, opened_at
  ),
  closed AS (
    DELETE FROM open_questions q USING due WHERE q.message_id = due.message_id RETURNING q.message_id
  ),
  answered AS (
    INSERT INTO messages (${MESSAGE_COLUMNS})
    SELECT gen_random_uuid(), m.conversation_id, m.id, 'assistant', '', 'failed', m.depth + 1, 0, c.model, 0, 0, NULL, NULL, 0,
           $3::text, m.trace_id, NULL, now(), now()
    FROM closed JOIN messages m ON m.id = closed.message_id JOIN conversations c ON c.id = m.conversation_id
    RETURNING id, conversation_id, parent_id
  )
  UPDATE conversations c SET message_count = c.message_count + 1, updated_at = now(), last_message_at = now(),
    current_leaf_id = CASE WHEN c.current_leaf_id = answered.parent_id THEN answered.id ELSE c.current_leaf_id END
  FROM answered WHERE c.id = answered.conversation_id
  RETURNING answered.parent_id AS question_id, c.id AS conversation_id`);

/** The message tree. Every query of a chat turn is here, as SQL a reviewer can read. */
@Injectable()
export class MessageRepository {
  /** INSERT_MESSAGE or INSERT_TURN plus one more CTE, by the statement's text (a handful: one per caller). */
  private readonly withExtra = new Map<string, ReturnType<typeof statement>>();

  constructor(private readonly sql: Sql) {}

  /**
   * The conversation (if it is `userId`'s) and the newest part of the branch ending at `parentId` (or at its
   * current leaf) that a context can use, root first; empty when the leaf is not in the conversation.
   */
  async openTurn(
    conversationId: string,
    userId: string,
    parentId: string | null,
    budgets: { byModel: string; model: string | null; defaultModel: string; fallback: number },
  ): Promise<{ conversation: Conversation; branch: Message[] } | null> {
    const rows = await this.sql.query<{ conversation: ConversationRow | null; branch: MessageRow[] }>(OPEN_TURN, [
      conversationId, userId, parentId, budgets.byModel, budgets.model, budgets.defaultModel, budgets.fallback,
    ]);
    const row = rows[0];
    if (!row?.conversation) return null;
    return { conversation: toConversation(row.conversation), branch: row.branch.map(toMessage) };
  }

  async findMessage(conversationId: string, messageId: string): Promise<Message | null> {
    const rows = await this.sql.query<MessageRow>(FIND_MESSAGE, [messageId, conversationId]);
    return rows[0] ? toMessage(rows[0]) : null;
  }

  /** The whole branch ending at `leafId`, root first (for reading a branch, not for building a context). */
  async findBranch(leafId: string): Promise<Message[]> {
    const rows = await this.sql.query<MessageRow>(
      `WITH RECURSIVE branch AS (
         SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = $1
         UNION ALL
         SELECT ${M_COLUMNS} FROM messages m JOIN branch b ON m.id = b.parent_id
       )
       SELECT * FROM branch`,
      [leafId],
    );
    return rows.map(toMessage).sort(byDepth);
  }

  /**
   * The newest part of the branch ending at `leafId` that can matter for a context of `budget` tokens, root
   * first (the leaf last, or nothing when it is not in the conversation); the first row may be one that does
   * not fit (the caller trims).
   */
  async walkBranchWithinBudget(conversationId: string, leafId: string, budget: number): Promise<Message[]> {
    const rows = await this.sql.query<MessageRow>(WALK_WITHIN_BUDGET, [conversationId, leafId, budget]);
    return rows.map(toMessage).sort(byDepth);
  }

  /** The newest summary covering `messageId` or one of its nearest ancestors (a short, bounded walk). */
  async findSummaryCovering(messageId: string, maxSteps = 64): Promise<(ContextSummary & { distance: number }) | null> {
    const rows = await this.sql.query<{ id: string; content: string; token_count: number; covers_message_id: string; distance: number }>(
      `WITH RECURSIVE up AS (
         SELECT id, parent_id, 0 AS distance FROM messages WHERE id = $1
         UNION ALL
         SELECT m.id, m.parent_id, up.distance + 1 FROM messages m JOIN up ON m.id = up.parent_id WHERE up.distance < $2
       )
       SELECT s.id, s.content, s.token_count, s.covers_message_id, up.distance
       FROM up JOIN conversation_summaries s ON s.covers_message_id = up.id
       ORDER BY up.distance LIMIT 1`,
      [messageId, maxSteps],
    );
    const row = rows[0];
    return row ? { id: row.id, content: row.content, tokenCount: row.token_count, coversMessageId: row.covers_message_id, distance: row.distance } : null;
  }

  async insertSummary(summary: { conversationId: string; coversMessageId: string; content: string; tokenCount: number; model: string }): Promise<void> {
    await this.sql.query(
      `INSERT INTO conversation_summaries (id, conversation_id, covers_message_id, content, token_count, model)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (covers_message_id) DO NOTHING`,
      [randomUUID(), summary.conversationId, summary.coversMessageId, summary.content, summary.tokenCount, summary.model],
    );
  }

  /** Every message, parents before children, siblings in the order they were written. */
  async findTree(conversationId: string): Promise<Message[]> {
    const rows = await this.sql.query<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1 ORDER BY depth, created_at, id`, [conversationId]);
    return rows.map(toMessage);
  }

  /** Stores a message and updates its conversation in one statement (atomic on its own). */
  async insertMessage(message: Message, options: { makeCurrentLeaf: boolean }, runner: SqlRunner = this.sql): Promise<void> {
    await runner.query(INSERT_MESSAGE, messageParams(message, options.makeCurrentLeaf)).catch(conversationGone);
  }

  /**
   * The same, with one more CTE in the same statement — the usage ledger's row for an answer, so that the
   * answer and what it cost commit together or not at all. The CTE's parameters start at AFTER_MESSAGE_PARAMS.
   */
  async insertMessageWith(message: Message, options: { makeCurrentLeaf: boolean }, extra: { cte: string; params: unknown[] }): Promise<void> {
    await this.sql.query(this.prepared(`WITH ${INSERT_MESSAGE_CTES}, ${extra.cte}, woke AS (${RECORD_WAKE_UP}) SELECT 1`), [...messageParams(message, options.makeCurrentLeaf), ...extra.params]).catch(conversationGone);
  }

  private prepared(text: string): ReturnType<typeof statement> {
    let prepared = this.withExtra.get(text);
    if (!prepared) {
      prepared = statement(text);
      this.withExtra.set(text, prepared);
    }
    return prepared;
  }

  /**
   * Stores a question and its answer together (see INSERT_TURN), with one more CTE when given (the answer's
   * usage ledger row, its parameters from AFTER_TURN_PARAMS). The answer's parent must be the question.
   */
  async insertTurn(question: Message, answer: Message, options: { makeAnswerCurrentLeaf: boolean }, extra?: { cte: string; params: unknown[] }): Promise<void> {
    if (answer.parentId !== question.id || answer.conversationId !== question.conversationId) throw new Error('insertTurn: the answer is not the question\'s');
    const params = turnParams(question, answer, options.makeAnswerCurrentLeaf);
    if (!extra) {
      await this.sql.query(INSERT_TURN, params).catch(conversationGone);
      return;
    }
    await this.sql.query(this.prepared(`WITH ${INSERT_TURN_CTES}, ${extra.cte}, woke AS (${recordWakeUp('$39')}) SELECT 1`), [...params, ...extra.params]).catch(conversationGone);
  }

  /** See CLOSE_ABANDONED_QUESTIONS: closes up to `limit` questions opened before `openedBefore`. */
  async closeAbandonedQuestions(openedBefore: Date, limit: number, errorCode: string): Promise<Array<{ questionId: string; conversationId: string }>> {
    const rows = await this.sql.query<{ question_id: string; conversation_id: string }>(CLOSE_ABANDONED_QUESTIONS, [openedBefore, limit, errorCode]);
    return rows.map((row) => ({ questionId: row.question_id, conversationId: row.conversation_id }));
  }

  /**
   * Copies the path root → `messageId` into another conversation with new ids, in one statement:
   * the fork holds the same messages, token counts and measurements, parented the same way.
   * Returns the id of the copy of `messageId` (the fork's leaf) and how many were copied.
   */
  async copyPath(tx: SqlRunner, fromConversationId: string, messageId: string, toConversationId: string): Promise<{ leafId: string; count: number }> {
    const rows = await tx.query<{ new_id: string; old_id: string; count: string }>(
      `WITH RECURSIVE path AS (
         SELECT id, parent_id FROM messages WHERE id = $1 AND conversation_id = $2
         UNION ALL
         SELECT m.id, m.parent_id FROM messages m JOIN path p ON m.id = p.parent_id
       ),
       mapped AS (SELECT id AS old_id, parent_id AS old_parent_id, gen_random_uuid() AS new_id FROM path),
       copied AS (
         INSERT INTO messages (${MESSAGE_COLUMNS})
         SELECT mp.new_id, $3, parent.new_id, m.role, m.content, m.status, m.depth, m.token_count, m.model, m.prompt_tokens,
                m.completion_tokens, m.latency_ms, m.ttft_ms, m.cost_micros, m.error_code, m.trace_id, m.context, m.created_at, m.completed_at
         FROM mapped mp JOIN messages m ON m.id = mp.old_id LEFT JOIN mapped parent ON parent.old_id = mp.old_parent_id
         RETURNING id
       )
       SELECT mp.new_id, mp.old_id, (SELECT count(*) FROM copied) AS count FROM mapped mp WHERE mp.old_id = $1`,
      [messageId, fromConversationId, toConversationId],
    );
    const leaf = rows[0];
    if (!leaf) throw new Error(`message ${messageId} is not in conversation ${fromConversationId}`);
    const count = Number(leaf.count);
    await tx.query(`UPDATE conversations SET current_leaf_id = $2, message_count = $3 WHERE id = $1`, [toConversationId, leaf.new_id, count]);
    return { leafId: leaf.new_id, count };
  }
}
