import { Injectable } from '@nestjs/common';
import { invalid } from '../../../libs/errors/domain-error.js';
import { FlagRepository, type Flag, type FlagFilter } from '../repository/flag.repository.js';

/** Reading flags for admins, with a stable cursor; erasing a user's evidence. */
@Injectable()
export class FlagsService {
  constructor(private readonly flags: FlagRepository) {}

  /** Erasure of a user: their flags stay counted under a pseudonym, without evidence or conversation. */
  eraseEvidence(userId: string, pseudonym: string): Promise<number> {
    return this.flags.eraseEvidence(userId, pseudonym);
  }

  async list(query: Omit<FlagFilter, 'after'> & { cursor?: string }): Promise<{ flags: Flag[]; nextCursor: string | null }> {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = await this.flags.list({ ...query, after, limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return { flags: page, nextCursor: rows.length > query.limit && last ? Buffer.from(`${last.createdAt.toISOString()}|${last.id}`).toString('base64url') : null };
  }
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const createdAt = new Date(iso ?? '');
  if (!id || !/^[0-9a-f-]{36}$/i.test(id) || Number.isNaN(createdAt.getTime())) throw invalid('cursor is malformed');
  return { createdAt, id };
}
