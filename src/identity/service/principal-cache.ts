import { Injectable } from '@nestjs/common';
import type { Principal } from '../../../libs/auth/principal.js';

/** How long an authenticated token is trusted without reading the user again. */
export const PRINCIPAL_TTL_MS = 2000;
const MAX_ENTRIES = 50_000;

/**
 * Saves the user lookup on the hot path: a token seen in the last two seconds maps to its caller.
 * A change to a user on this instance forgets them at once; other instances see it within the TTL.
 */
@Injectable()
export class PrincipalCache {
  private readonly byToken = new Map<string, { principal: Principal; expiresAt: number }>();

  get(token: string): Principal | null {
    const entry = this.byToken.get(token);
    if (!entry) return null;
    if (entry.expiresAt < Date.now()) {
      this.byToken.delete(token);
      return null;
    }
    return entry.principal;
  }

  set(token: string, principal: Principal): void {
    if (this.byToken.size >= MAX_ENTRIES) this.byToken.clear();
    this.byToken.set(token, { principal, expiresAt: Date.now() + PRINCIPAL_TTL_MS });
  }

  forgetUser(userId: string): void {
    for (const [token, entry] of this.byToken) if (entry.principal.userId === userId) this.byToken.delete(token);
  }
}
