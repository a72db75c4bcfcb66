import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { FlagKind } from '../domain/abuse.js';

export interface Flag {
  id: string;
  userId: string;
  conversationId: string | null;
  kind: FlagKind;
  severity: number;
  evidence: Record<string, unknown>;
  createdAt: Date;
}

export interface FlagFilter {
  userId?: string;
  kind?: string;
  minSeverity?: number;
  from?: Date;
  to?: Date;
  limit: number;
  after?: { createdAt: Date; id: string };
}

interface FlagRow {
  id: string;
  user_id: string;
  conversation_id: string | null;
  kind: string;
  severity: number;
  evidence: Record<string, unknown>;
  created_at: Date;
}

const toFlag = (row: FlagRow): Flag => ({
  id: row.id,
  userId: row.user_id,
  conversationId: row.conversation_id,
  kind: row.kind as FlagKind,
  severity: row.severity,
  evidence: row.evidence,
  createdAt: new Date(row.created_at),
});

@Injectable()
export class FlagRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async insert(flag: Omit<Flag, 'id' | 'createdAt'>): Promise<Flag> {
    const rows: FlagRow[] = await this.db.query(
      `INSERT INTO flags (id, user_id, conversation_id, kind, severity, evidence) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [randomUUID(), flag.userId, flag.conversationId, flag.kind, flag.severity, JSON.stringify(flag.evidence)],
    );
    return toFlag(rows[0]!);
  }

  /** The weight of a user's flags since `since`, counting only those after their latest suspension (a lift starts afresh). */
  async weightSince(userId: string, since: Date): Promise<number> {
    const rows: Array<{ weight: string }> = await this.db.query(
      `SELECT coalesce(sum(severity), 0) AS weight FROM flags
       WHERE user_id = $1 AND created_at >= greatest($2::timestamptz,
         coalesce((SELECT max(created_at) FROM flags WHERE user_id = $1 AND kind = 'suspension'), '-infinity'::timestamptz))
         AND kind <> 'suspension'`,
      [userId, since],
    );
    return Number(rows[0]?.weight ?? 0);
  }

  /** Erasure: a user's flags keep their kind, severity and time under a pseudonym; the evidence (what was said) goes. */
  async eraseEvidence(userId: string, pseudonym: string): Promise<number> {
    const rows: Array<{ n: number }> = await this.db.query(
      `WITH erased AS (UPDATE flags SET user_id = $2, conversation_id = NULL, evidence = '{}' WHERE user_id = $1 RETURNING 1) SELECT count(*)::int AS n FROM erased`,
      [userId, pseudonym],
    );
    return rows[0]?.n ?? 0;
  }

  /** Newest first, by (created_at, id) so the cursor is stable. */
  async list(filter: FlagFilter): Promise<Flag[]> {
    const rows: FlagRow[] = await this.db.query(
      `SELECT * FROM flags
       WHERE ($1::uuid IS NULL OR user_id = $1::uuid) AND ($2::text IS NULL OR kind = $2) AND severity >= $3
         AND ($4::timestamptz IS NULL OR created_at >= $4) AND ($5::timestamptz IS NULL OR created_at <= $5)
         AND ($6::timestamptz IS NULL OR (created_at, id) < ($6::timestamptz, $7::uuid))
       ORDER BY created_at DESC, id DESC LIMIT $8`,
      [filter.userId ?? null, filter.kind ?? null, filter.minSeverity ?? 0, filter.from ?? null, filter.to ?? null, filter.after?.createdAt ?? null, filter.after?.id ?? null, filter.limit],
    );
    return rows.map(toFlag);
  }
}
