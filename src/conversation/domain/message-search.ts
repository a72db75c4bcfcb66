import { invalid } from '../../../libs/errors/domain-error.js';
import type { MessageRole } from './message.js';

export const SEARCH_TEXT_MAX_LENGTH = 200;

/** One message found by a search, with a highlighted excerpt of its text. */
export interface MessageSearchHit {
  conversationId: string;
  conversationTitle: string | null;
  messageId: string;
  role: MessageRole;
  createdAt: Date;
  /** HTML: the text around the matches, escaped, with each match wrapped in `<mark>`…`</mark>`. */
  snippet: string;
  rank: number;
  position: SearchPosition;
}

/**
 * Where a hit sits in the order rank desc, created_at desc, id desc — exactly as PostgreSQL printed them
 * (`real` as its shortest exact text, the timestamp to the microsecond), so the next page starts right after it.
 */
export interface SearchPosition {
  rank: string;
  createdAt: string;
  id: string;
}

const RANK = /^[0-9][0-9.e+-]*$/i;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The words to search for: 1–200 characters, not only blanks. */
export function searchText(q: string | undefined): string {
  const text = q?.trim() ?? '';
  if (text.length === 0) throw invalid('q is required: the words to search for');
  if (text.length > SEARCH_TEXT_MAX_LENGTH) throw invalid(`q is longer than ${SEARCH_TEXT_MAX_LENGTH} characters`);
  return text;
}

/** An opaque cursor (base64url) for the page after `position`. */
export function encodeSearchCursor(position: SearchPosition): string {
  return Buffer.from(`${position.rank}|${position.createdAt}|${position.id}`).toString('base64url');
}

export function decodeSearchCursor(cursor: string): SearchPosition {
  const [rank, createdAt, id, ...rest] = Buffer.from(cursor, 'base64url').toString().split('|');
  const valid =
    rest.length === 0 &&
    RANK.test(rank ?? '') &&
    Number.isFinite(Number(rank)) &&
    TIMESTAMP.test(createdAt ?? '') &&
    !Number.isNaN(Date.parse(createdAt ?? '')) &&
    UUID.test(id ?? '');
  if (!valid) throw invalid('cursor is malformed');
  return { rank: rank!, createdAt: createdAt!, id: id! };
}
