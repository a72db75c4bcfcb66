import { randomUUID } from 'node:crypto';

/**
 * A canary: a random marker that opens every system turn. A model that starts repeating its system
 * prompt repeats the canary first, so an answer can be cut before the leak reaches the client or the
 * database. New for every turn, so it cannot be learnt and quoted on purpose.
 */
export function newCanary(): string {
  // 16 hex digits from a UUID: Node hands those out of a pool of random bytes (no system call per turn).
  return `gus-canary-${randomUUID().slice(19).replace('-', '')}`;
}

export const canaryLine = (canary: string): string => `[${canary}]`;

/**
 * Decides, chunk by chunk, what of a streamed answer may be released: everything except a tail that could
 * be the beginning of the canary (held back until the next chunk decides), and nothing from the canary on
 * once it appears. Text that cannot start the canary goes out at once, so deltas are not delayed. Each
 * chunk is searched only where the canary could begin (the unreleased tail), so an answer costs time
 * linear in its length.
 */
export class CanaryGate {
  private text = '';
  private released = 0;
  private leakedAt = -1;

  constructor(private readonly canary: string) {}

  /** Whether the canary appeared: everything from it on is dropped. */
  get leaked(): boolean {
    return this.leakedAt >= 0;
  }

  /** The releasable answer so far (never contains the canary). */
  get safeText(): string {
    return this.leaked ? this.text.slice(0, this.leakedAt) : this.text.slice(0, this.released);
  }

  /** Adds a chunk; returns the text that may be released now ('' when all of it is held back). */
  push(chunk: string): string {
    if (this.leaked) return '';
    this.text += chunk;
    const at = this.text.indexOf(this.canary, this.released);
    if (at >= 0) {
      this.leakedAt = at;
      return this.releaseUpTo(at);
    }
    return this.releaseUpTo(this.text.length - this.heldBack());
  }

  /** The stream ended: the held-back tail was not the canary after all. */
  finish(): string {
    return this.leaked ? '' : this.releaseUpTo(this.text.length);
  }

  /** Length of the longest tail of the unreleased text that is a beginning of the canary. */
  private heldBack(): number {
    const max = Math.min(this.canary.length - 1, this.text.length - this.released);
    for (let k = max; k > 0; k--) {
      if (this.text.startsWith(this.canary.slice(0, k), this.text.length - k)) return k;
    }
    return 0;
  }

  private releaseUpTo(end: number): string {
    if (end <= this.released) return '';
    const out = this.text.slice(this.released, end);
    this.released = end;
    return out;
  }
}
