import type { Role } from '../../../libs/auth/principal.js';
import { DomainError } from '../../../libs/errors/domain-error.js';

export type { Role };
export type UserStatus = 'active' | 'suspended';
export const ROLES: readonly Role[] = ['admin', 'user', 'guest'];
export const USER_STATUSES: readonly UserStatus[] = ['active', 'suspended'];

export interface User {
  id: string;
  email: string | null;
  passwordHash: string | null;
  role: Role;
  plan: string;
  status: UserStatus;
  /** Set by an admin: nothing of the user is deleted (retention, erasure) while it holds. */
  legalHold: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** A suspended account is refused on every route, whatever its credentials. */
export function assertActive(user: User): void {
  if (user.status === 'suspended') throw new DomainError('ACCOUNT_SUSPENDED', 'this account is suspended');
}
