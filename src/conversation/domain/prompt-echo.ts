/**
 * The output side of the injection defence, beside the canary: an answer that reproduces a substantial part of
 * the system prompt is cut where the reproduction began. "Substantial" is a run of words of the answer each of
 * whose ECHO_GRAM-word windows occurs in the system prompt (case and punctuation aside), reaching
 * `threshold` words: LEAK_WORDS, or less for a short prompt (a share of it, never under MIN_LEAK_WORDS).
 *
 * The prompt is read once into the hashes of its 1- to ECHO_GRAM-word runs (cached by the caller per prompt
 * text); the answer is read once, word by word, as it streams: each word costs at most ECHO_GRAM set lookups of
 * ECHO_GRAM-word hashes, so an answer costs time linear in its length and nothing is re-scanned.
 *
 * What may be released: everything before a run that matches the prompt for HOLD_FROM words or more, which is
 * held back until the run either breaks (then it is released) or reaches the threshold (then it and everything
 * after it is dropped). Runs shorter than HOLD_FROM ("you are", "of the") are released at once, so ordinary
 * answers are not delayed; a leak can therefore show at most HOLD_FROM − 1 words before it is recognised.
 */
export const ECHO_GRAM = 4;
export const LEAK_WORDS = 12;
export const MIN_LEAK_WORDS = 8;
/** For a short prompt: this share of its words is enough. */
export const LEAK_SHARE = 0.6;
export const HOLD_FROM = 3;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const { imul, ceil, max, min } = Math;
const WORD_CHAR = /[\p{L}\p{N}]/u;

/** The system prompt as the answer is compared with it. */
export class PromptFingerprint {
  /** Hashes of every run of 1 … ECHO_GRAM words. */
  readonly grams = new Set<number>();
  readonly words: number;
  /** Words of an answer's run that make it a leak; Infinity for a prompt too short to leak anything worth cutting. */
  readonly threshold: number;

  constructor(prompt: string) {
    const hashes: number[] = [];
    forEachWord(prompt, (hash) => hashes.push(hash));
    this.words = hashes.length;
    for (let end = 0; end < hashes.length; end++) {
      for (let n = 1; n <= ECHO_GRAM && n <= end + 1; n++) this.grams.add(gramHash(hashes, end, n));
    }
    const threshold = min(LEAK_WORDS, max(MIN_LEAK_WORDS, ceil(this.words * LEAK_SHARE)));
    this.threshold = threshold <= this.words ? threshold : Infinity;
  }
}

/** Hash of the n words ending at `end` (a ring or an array of word hashes), seeded by n. */
function gramHash(hashes: ArrayLike<number>, end: number, n: number, ring = 0): number {
  let hash = imul(FNV_OFFSET ^ n, FNV_PRIME);
  for (let k = end - n + 1; k <= end; k++) hash = imul(hash ^ hashes[ring ? k % ring : k]!, FNV_PRIME);
  return hash >>> 0;
}

function isWordChar(code: number, char: string): boolean {
  if (code < 128) return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
  return WORD_CHAR.test(char);
}

/** Lower-case words (letters and digits; each CJK character a word of its own), as FNV hashes. */
function forEachWord(text: string, onWord: (hash: number, start: number) => void): void {
  let hash = FNV_OFFSET;
  let start = -1;
  for (let at = 0; at <= text.length; at++) {
    const code = at < text.length ? text.charCodeAt(at) : 32;
    const char = code < 128 ? '' : text[at]!;
    if (at < text.length && isWordChar(code, char)) {
      if (start < 0) start = at;
      const lower = code >= 65 && code <= 90 ? code + 32 : code < 128 ? code : char.toLowerCase().charCodeAt(0);
      hash = imul(hash ^ lower, FNV_PRIME);
      if (code >= 0x2e80) {
        onWord(hash >>> 0, start);
        hash = FNV_OFFSET;
        start = -1;
      }
      continue;
    }
    if (start >= 0) onWord(hash >>> 0, start);
    hash = FNV_OFFSET;
    start = -1;
  }
}

/**
 * Decides, chunk by chunk, what of a streamed answer may be released, and cuts it where it starts reproducing the
 * system prompt. Feed it the text the canary gate released; `safeText` is what may be stored and returned.
 */
export class PromptEchoGate {
  private text = '';
  private released = 0;
  /** Where the next unread character is (words are read once they end). */
  private read = 0;
  private wordStart = -1;
  private wordHash = FNV_OFFSET;
  private readonly ring = new Array<number>(ECHO_GRAM).fill(0);
  private readonly ringStarts = new Array<number>(ECHO_GRAM).fill(0);
  private wordCount = 0;
  /** Words of the answer, ending at the newest, that match the prompt as a chain of ECHO_GRAM-word windows. */
  private run = 0;
  /** Where the run's first word starts. */
  private runStart = 0;
  private cutAt = -1;
  /** The longest run seen, in words (for the audit trail). */
  longestRun = 0;

  constructor(private readonly prompt: PromptFingerprint) {}

  get leaked(): boolean {
    return this.cutAt >= 0;
  }

  /** Words of the run that made the cut (0 when nothing was cut). */
  get leakedWords(): number {
    return this.leaked ? this.longestRun : 0;
  }

  get safeText(): string {
    return this.text.slice(0, this.leaked ? this.cutAt : this.released);
  }

  /** Adds released text; returns what may be released now. */
  push(chunk: string): string {
    if (this.leaked || chunk.length === 0) return '';
    this.text += chunk;
    this.readWords(false);
    if (this.leaked) return this.releaseUpTo(this.cutAt);
    // A word still being written may extend a run of HOLD_FROM − 1 words: that run is held too.
    const holding = this.run > 0 && this.run >= HOLD_FROM - (this.wordStart >= 0 ? 1 : 0);
    return this.releaseUpTo(holding ? this.runStart : this.text.length);
  }

  /** The stream ended: the held run did not reach the threshold. */
  finish(): string {
    if (this.leaked) return '';
    this.readWords(true);
    return this.leaked ? this.releaseUpTo(this.cutAt) : this.releaseUpTo(this.text.length);
  }

  private readWords(final: boolean): void {
    const text = this.text;
    for (; this.read < text.length; this.read++) {
      const code = text.charCodeAt(this.read);
      const char = code < 128 ? '' : text[this.read]!;
      if (isWordChar(code, char)) {
        if (this.wordStart < 0) this.wordStart = this.read;
        const lower = code >= 65 && code <= 90 ? code + 32 : code < 128 ? code : char.toLowerCase().charCodeAt(0);
        this.wordHash = imul(this.wordHash ^ lower, FNV_PRIME);
        if (code >= 0x2e80) this.endWord();
      } else if (this.wordStart >= 0) this.endWord();
      if (this.leaked) return;
    }
    if (final && this.wordStart >= 0) this.endWord();
  }

  private endWord(): void {
    const slot = this.wordCount % ECHO_GRAM;
    this.ring[slot] = this.wordHash >>> 0;
    this.ringStarts[slot] = this.wordStart;
    this.wordCount++;
    this.wordStart = -1;
    this.wordHash = FNV_OFFSET;
    const end = this.wordCount - 1;
    // The longest suffix that still matches: the run grown by this word, or a shorter one starting anew.
    let run = this.run + 1;
    if (!this.matches(end, min(run, ECHO_GRAM))) {
      run = min(run - 1, ECHO_GRAM - 1);
      while (run > 0 && !this.matches(end, run)) run--;
    }
    this.run = run;
    // A run longer than ECHO_GRAM only ever grows by a word, so it keeps its start; a shorter one starts in the ring.
    if (run > 0 && run <= ECHO_GRAM) this.runStart = this.ringStarts[(end - run + 1) % ECHO_GRAM]!;
    this.longestRun = max(this.longestRun, run);
    if (run >= this.prompt.threshold) this.cutAt = max(this.runStart, this.released);
  }

  private matches(end: number, n: number): boolean {
    return n <= this.wordCount && this.prompt.grams.has(gramHash(this.ring, end, n, ECHO_GRAM));
  }

  private releaseUpTo(end: number): string {
    if (end <= this.released) return '';
    const out = this.text.slice(this.released, end);
    this.released = end;
    return out;
  }
}
