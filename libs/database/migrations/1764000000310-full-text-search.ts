import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Full-text search over message text and conversation titles (GET /v1/search/messages, GET /v1/conversations?q=).
 *
 * Text search configuration 'simple': lower-cased words, no stemming and no stop words. Conversations are in any
 * language; 'english' would stem other languages into nonsense and drop words ("it", "will") that users search for.
 * The cost is exact-word matching ("run" does not find "running"). No `unaccent`: it is not IMMUTABLE (so cannot
 * feed a generated column without a wrapper) and is not loaded in embedded PGlite; "café" and "cafe" stay distinct.
 *
 * search_document(text): the text as search reads it, HTML-escaped. PostgreSQL's text parser takes anything from `<`
 * to `>` for an HTML tag and skips it (and `<script>…</script>` whole), which would hide the words of pasted code or
 * of "x<y and y>z"; as entities those characters are mere separators. ts_headline reads the same escaped text, so a
 * snippet's only markup is the `<mark>` it adds, and its words are exactly those the index holds.
 * search_query(text): what the user typed, in web search syntax (words, "a phrase", or, -word; never a syntax error),
 * with `<` and `>` blanked for the same reason.
 *
 * The vectors are generated columns, so every writer (inserts, the fork's INSERT … SELECT, title edits) keeps them
 * right without a trigger; adding them rewrites the tables once.
 *
 * "Messages of a user" needs no index of its own: messages reach their owner through conversations, and the planner
 * has an indexed path either way — the GIN index for the words, then conversations by primary key; or the user's
 * conversations by `conversations_user_recent_idx (user_id, …)`, then their messages by
 * `messages_conversation_idx (conversation_id, …)` — and picks by how common the words and how many the messages are.
 */
export class FullTextSearch1764000000310 implements MigrationInterface {
  name = 'FullTextSearch1764000000310';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION search_document(content text) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        RETURN replace(replace(replace(replace(replace(content, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;')`);
    await db.query(`
      CREATE FUNCTION search_query(q text) RETURNS tsquery
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        RETURN websearch_to_tsquery('simple', translate(q, '<>', '  '))`);

    await db.query(`ALTER TABLE messages ADD COLUMN content_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', search_document(content))) STORED`);
    await db.query(`CREATE INDEX messages_content_tsv_idx ON messages USING gin (content_tsv)`);

    await db.query(`ALTER TABLE conversations ADD COLUMN title_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', search_document(title))) STORED`);
    await db.query(`CREATE INDEX conversations_title_tsv_idx ON conversations USING gin (title_tsv)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IF EXISTS conversations_title_tsv_idx`);
    await db.query(`ALTER TABLE conversations DROP COLUMN IF EXISTS title_tsv`);
    await db.query(`DROP INDEX IF EXISTS messages_content_tsv_idx`);
    await db.query(`ALTER TABLE messages DROP COLUMN IF EXISTS content_tsv`);
    await db.query(`DROP FUNCTION IF EXISTS search_query(text)`);
    await db.query(`DROP FUNCTION IF EXISTS search_document(text)`);
  }
}
