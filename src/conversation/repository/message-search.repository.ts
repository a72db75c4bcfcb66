import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type ObjectLiteral, type SelectQueryBuilder } from 'typeorm';
import type { MessageRole } from '../domain/message.js';
import type { MessageSearchHit, SearchPosition } from '../domain/message-search.js';

/*
 * Full-text search, served by the generated tsvector columns and GIN indexes of migration 1764000000310
 * (messages.content_tsv, conversations.title_tsv), whose SQL functions search_document (the text, HTML-escaped) and
 * search_query (web search syntax: words, "a phrase", or, -word; never a syntax error) are used here — see there why.
 */

/**
 * The caller's messages matching $2, best first: rank desc, created_at desc, id desc; a page starts after the
 * position ($3 rank, $4 created_at, $5 id) when given. Archived conversations are included: search is for finding.
 *
 * The rank is ts_rank_cd divided by the logarithm of the message's length (normalisation 1), so a short answer about the words
 * outranks a long one that mentions them once. The snippet is computed for the page's rows only (ts_headline reads
 * the whole text) on the HTML-escaped text the index was built from, so its only markup is the `<mark>` around each
 * match: a short message whole, a longer one as up to two fragments of about 30 words around the matches.
 */
export const SEARCH_MESSAGES_SQL = `
  WITH query AS (SELECT search_query($2) AS q),
  page AS (
    SELECT hit.*
    FROM (
      SELECT m.id, m.conversation_id, c.title, m.role, m.content, m.created_at, ts_rank_cd(m.content_tsv, query.q, 1) AS rank
      FROM query, messages m JOIN conversations c ON c.id = m.conversation_id
      WHERE c.user_id = $1 AND NOT c.temporary AND m.content_tsv @@ query.q
    ) hit
    WHERE $3::real IS NULL OR (hit.rank, hit.created_at, hit.id) < ($3::real, $4::timestamptz, $5::uuid)
    ORDER BY hit.rank DESC, hit.created_at DESC, hit.id DESC
    LIMIT $6
  )
  SELECT page.id, page.conversation_id, page.title, page.role, page.created_at,
         page.rank, page.rank::text AS rank_text,
         to_char(page.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at_text,
         ts_headline('simple', search_document(page.content), query.q,
           CASE WHEN length(page.content) <= 280 THEN 'StartSel=<mark>, StopSel=</mark>, HighlightAll=true'
                ELSE 'StartSel=<mark>, StopSel=</mark>, MaxWords=30, MinWords=10, ShortWord=0, MaxFragments=2, FragmentDelimiter=" … "'
           END) AS snippet
  FROM page, query
  ORDER BY page.rank DESC, page.created_at DESC, page.id DESC`;

/**
 * The conversation-list condition for `?q=`: the title matches, or any of the conversation's messages does.
 * For a TypeORM query builder whose conversation alias is `c`; the search text is the named parameter :textSearch.
 */
export const CONVERSATION_TEXT_MATCH_SQL = `NOT c.temporary AND (
  c.title_tsv @@ search_query(:textSearch)
  OR EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.content_tsv @@ search_query(:textSearch))
)`;

/** Narrows a conversation query (alias `c`) to conversations whose title or message text matches `q`. */
export function applyTextSearch<T extends ObjectLiteral>(query: SelectQueryBuilder<T>, q: string): SelectQueryBuilder<T> {
  return query.andWhere(CONVERSATION_TEXT_MATCH_SQL, { textSearch: q });
}

interface SearchRow {
  id: string;
  conversation_id: string;
  title: string | null;
  role: string;
  created_at: Date;
  rank: number | string;
  rank_text: string;
  created_at_text: string;
  snippet: string;
}

export interface MessageSearch {
  userId: string;
  text: string;
  limit: number;
  after?: SearchPosition;
}

@Injectable()
export class MessageSearchRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async search({ userId, text, limit, after }: MessageSearch): Promise<MessageSearchHit[]> {
    const rows: SearchRow[] = await this.db.query(SEARCH_MESSAGES_SQL, [userId, text, after?.rank ?? null, after?.createdAt ?? null, after?.id ?? null, limit]);
    return rows.map((row) => ({
      conversationId: row.conversation_id,
      conversationTitle: row.title,
      messageId: row.id,
      role: row.role as MessageRole,
      createdAt: new Date(row.created_at),
      snippet: row.snippet,
      rank: Number(row.rank),
      position: { rank: row.rank_text, createdAt: row.created_at_text, id: row.id },
    }));
  }
}
