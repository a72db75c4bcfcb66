import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type Repository } from 'typeorm';
import type { ApiKey } from '../domain/api-key.js';
import type { Role, User, UserStatus } from '../domain/user.js';
import { ApiKeyEntity, UserEntity } from './user.entity.js';

const toUser = (row: UserEntity): User => ({
  id: row.id,
  email: row.email,
  passwordHash: row.passwordHash,
  role: row.role as Role,
  plan: row.plan,
  status: row.status as UserStatus,
  legalHold: row.legalHold,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

export interface UserPage {
  users: User[];
  nextCursor: string | null;
}

@Injectable()
export class UserRepository {
  private readonly users: Repository<UserEntity>;
  private readonly apiKeys: Repository<ApiKeyEntity>;

  constructor(@InjectDataSource() private readonly db: DataSource) {
    this.users = db.getRepository(UserEntity);
    this.apiKeys = db.getRepository(ApiKeyEntity);
  }

  async findById(id: string): Promise<User | null> {
    const row = await this.users.findOneBy({ id });
    return row ? toUser(row) : null;
  }

  async findByEmail(email: string): Promise<User | null> {
    const row = await this.users.createQueryBuilder('u').where('lower(u.email) = lower(:email)', { email }).getOne();
    return row ? toUser(row) : null;
  }

  /** The owner of a live API key, found by the key's hash in one query. */
  async findByApiKeyHash(keyHash: string): Promise<User | null> {
    const row = await this.users
      .createQueryBuilder('u')
      .innerJoin(ApiKeyEntity, 'k', 'k.user_id = u.id')
      .where('k.key_hash = :keyHash AND k.revoked_at IS NULL', { keyHash })
      .getOne();
    return row ? toUser(row) : null;
  }

  async insert(user: User): Promise<void> {
    await this.users.insert(user);
  }

  async update(user: User): Promise<void> {
    const { id, ...fields } = user;
    await this.users.update({ id }, fields);
  }

  /** Oldest first, by (created_at, id) so the cursor is stable. */
  async list(filter: { limit: number; after?: { createdAt: Date; id: string }; role?: Role; status?: UserStatus }): Promise<UserPage> {
    const query = this.users.createQueryBuilder('u').orderBy('u.created_at', 'ASC').addOrderBy('u.id', 'ASC').take(filter.limit + 1);
    if (filter.after) {
      query.andWhere('(u.created_at, u.id) > (:createdAt, :id)', { createdAt: filter.after.createdAt, id: filter.after.id });
    }
    if (filter.role) query.andWhere('u.role = :role', { role: filter.role });
    if (filter.status) query.andWhere('u.status = :status', { status: filter.status });
    const rows = await query.getMany();
    const page = rows.slice(0, filter.limit).map(toUser);
    const last = page.at(-1);
    return { users: page, nextCursor: rows.length > filter.limit && last ? encodeCursor(last) : null };
  }

  async insertApiKey(key: ApiKey): Promise<void> {
    await this.apiKeys.insert(key);
  }

  /** A user's keys, newest first (their hashes never leave this repository's callers). */
  async listApiKeys(userId: string): Promise<ApiKey[]> {
    return (await this.apiKeys.find({ where: { userId }, order: { createdAt: 'DESC' } })).map((row) => ({ ...row }));
  }

  /** Revokes a live key of the user; false when there is none by that id. */
  async revokeApiKey(userId: string, keyId: string, at: Date): Promise<boolean> {
    const result = await this.apiKeys
      .createQueryBuilder()
      .update()
      .set({ revokedAt: at })
      .where('id = :keyId AND user_id = :userId AND revoked_at IS NULL', { keyId, userId })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /** Revokes every live key of the user at once. */
  async revokeAllApiKeys(userId: string, at: Date): Promise<void> {
    await this.apiKeys.createQueryBuilder().update().set({ revokedAt: at }).where('user_id = :userId AND revoked_at IS NULL', { userId }).execute();
  }

  /** Removes the account; its API keys go with it (ON DELETE CASCADE), as do conversations not yet erased. */
  async delete(userId: string): Promise<void> {
    await this.users.delete({ id: userId });
  }

  async countAdmins(): Promise<number> {
    return this.users.countBy({ role: 'admin' });
  }
}

export function encodeCursor(user: { createdAt: Date; id: string }): string {
  return Buffer.from(`${user.createdAt.toISOString()}|${user.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } | null {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const createdAt = new Date(iso ?? '');
  if (!id || Number.isNaN(createdAt.getTime())) return null;
  return { createdAt, id };
}
