import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Identity, conversations with their message tree, and the usage ledger with its totals. */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY,
        email text,
        password_hash text,
        role text NOT NULL CHECK (role IN ('admin', 'user', 'guest')),
        plan text NOT NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE UNIQUE INDEX users_email_key ON users (lower(email)) WHERE email IS NOT NULL`);
    await db.query(`CREATE INDEX users_created_at_idx ON users (created_at, id)`);

    await db.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        name text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        key_prefix text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    await db.query(`CREATE INDEX api_keys_user_idx ON api_keys (user_id)`);

    await db.query(`
      CREATE TABLE conversations (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        title text,
        model text,
        system_prompt text,
        metadata jsonb NOT NULL DEFAULT '{}',
        state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'inactive', 'paused', 'archived')),
        state_changed_at timestamptz NOT NULL DEFAULT now(),
        current_leaf_id uuid,
        message_count integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        last_message_at timestamptz
      )`);
    await db.query(`CREATE INDEX conversations_user_recent_idx ON conversations (user_id, updated_at DESC, id DESC)`);

    await db.query(`
      CREATE TABLE messages (
        id uuid PRIMARY KEY,
        conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        parent_id uuid REFERENCES messages (id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
        content text NOT NULL,
        status text NOT NULL CHECK (status IN ('complete', 'failed', 'interrupted')),
        depth integer NOT NULL,
        token_count integer NOT NULL,
        model text,
        prompt_tokens integer,
        completion_tokens integer,
        latency_ms integer,
        ttft_ms integer,
        cost_micros bigint,
        error_code text,
        trace_id text,
        created_at timestamptz NOT NULL,
        completed_at timestamptz
      )`);
    await db.query(`CREATE INDEX messages_conversation_idx ON messages (conversation_id, created_at, id)`);
    await db.query(`CREATE INDEX messages_parent_idx ON messages (parent_id)`);

    // The usage ledger: one row per model call, kept when its conversation is deleted (no FK).
    // It is also the outbox: applied_at stays NULL until the billing worker has added the event to the totals.
    await db.query(`
      CREATE TABLE usage_events (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL,
        conversation_id uuid,
        model text NOT NULL,
        prompt_tokens integer NOT NULL,
        completion_tokens integer NOT NULL,
        cost_micros bigint NOT NULL,
        latency_ms integer NOT NULL,
        ttft_ms integer,
        occurred_at timestamptz NOT NULL,
        applied_at timestamptz
      )`);
    await db.query(`CREATE INDEX usage_events_unapplied_idx ON usage_events (occurred_at) WHERE applied_at IS NULL`);
    await db.query(`CREATE INDEX usage_events_user_idx ON usage_events (user_id, occurred_at)`);

    await db.query(`
      CREATE TABLE usage_daily_totals (
        day date NOT NULL,
        user_id uuid NOT NULL,
        model text NOT NULL,
        turns bigint NOT NULL DEFAULT 0,
        prompt_tokens bigint NOT NULL DEFAULT 0,
        completion_tokens bigint NOT NULL DEFAULT 0,
        cost_micros bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (user_id, day, model)
      )`);
    await db.query(`
      CREATE TABLE usage_conversation_totals (
        conversation_id uuid PRIMARY KEY,
        user_id uuid NOT NULL,
        turns bigint NOT NULL DEFAULT 0,
        prompt_tokens bigint NOT NULL DEFAULT 0,
        completion_tokens bigint NOT NULL DEFAULT 0,
        cost_micros bigint NOT NULL DEFAULT 0
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['usage_conversation_totals', 'usage_daily_totals', 'usage_events', 'messages', 'conversations', 'api_keys', 'users']) {
      await db.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
