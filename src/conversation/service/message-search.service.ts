import { Injectable } from '@nestjs/common';
import type { Principal } from '../../../libs/auth/principal.js';
import { decodeSearchCursor, encodeSearchCursor, searchText, type MessageSearchHit } from '../domain/message-search.js';
import { MessageSearchRepository } from '../repository/message-search.repository.js';

export interface MessageSearchQuery {
  q: string | undefined;
  limit: number;
  cursor?: string;
}

/** Full-text search over the caller's own messages, in every conversation they have (archived ones too). */
@Injectable()
export class MessageSearchService {
  constructor(private readonly searches: MessageSearchRepository) {}

  async search(principal: Principal, query: MessageSearchQuery): Promise<{ hits: MessageSearchHit[]; nextCursor: string | null }> {
    const text = searchText(query.q);
    const after = query.cursor ? decodeSearchCursor(query.cursor) : undefined;
    const rows = await this.searches.search({ userId: principal.userId, text, limit: query.limit + 1, after });
    const hits = rows.slice(0, query.limit);
    const last = hits.at(-1);
    return { hits, nextCursor: rows.length > query.limit && last ? encodeSearchCursor(last.position) : null };
  }
}
