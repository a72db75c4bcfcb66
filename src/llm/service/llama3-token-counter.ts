import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** First id of LLaMA 3's special tokens (<|begin_of_text|> = 128000, <|eot_id|> = 128009, …). */
export const FIRST_SPECIAL_TOKEN_ID = 128_000;

/**
 * Exact LLaMA 3 token counts (the model family of the catalogue), computed once per message when it is
 * written and stored with it, so history is never re-tokenised.
 *
 * The vocabulary and merges are llama3-tokenizer-js's (its data, read from its bundle); the counting is
 * gus's own, because that library's encoder costs 48 µs on a short sentence and 0.4 s on 32,000 repeats of
 * one letter (one pre-token, merged through a heap of objects and strings), and keeps 45 MB of maps. Here:
 * the same pre-tokenizer pattern (linear: no nested quantifiers), ASCII pre-tokens mapped to byte symbols
 * without a TextEncoder, a cache of counts per pre-token, and byte-pair merging over typed arrays with merges
 * looked up by token-id pair in an open-addressing table. The result is identical to the library's encoder
 * (test/unit/llm/llama3-token-counter.spec.ts compares them on random and adversarial text).
 */

/** LLaMA 3's pre-tokenizer (tiktoken's), with the case-insensitive group spelled out for JavaScript. */
const PRETOKEN = /(?:'(?:[sS]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD]))|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;
const SPECIAL_TOKEN =
  /<\|(?:begin_of_text|end_of_text|start_header_id|end_header_id|eot_id|eom_id|python_tag|finetune_right_pad_id|reserved_special_token_(?:[0-9]|[1-9][0-9]|1[0-9][0-9]|2[0-3][0-9]|24[0-7]))\|>/g;

/** GPT-2's byte-to-unicode map: each byte becomes one printable character of the byte-level vocabulary. */
function byteSymbols(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const symbols: string[] = new Array(256);
  for (const b of printable) symbols[b] = String.fromCharCode(b);
  let extra = 0;
  for (let b = 0; b < 256; b++) if (symbols[b] === undefined) symbols[b] = String.fromCharCode(256 + extra++);
  return symbols;
}

/** The two data strings baked into llama3-tokenizer-js's bundle (read as text: importing it builds its maps). */
function readBakedData(): { vocab: string; merges: string } {
  const bundle = readFileSync(createRequire(import.meta.url).resolve('llama3-tokenizer-js'), 'utf8');
  const constant = (name: string): string => {
    const start = bundle.indexOf(`const ${name} = "`);
    if (start < 0) throw new Error(`llama3-tokenizer-js: ${name} not found in its bundle`);
    const from = start + name.length + 10;
    return bundle.slice(from, bundle.indexOf('"', from));
  };
  return { vocab: constant('llama_vocab_base64'), merges: constant('llama_merges_binary') };
}

/** The library's special tokens: its list, then reserved_special_token_2 … _247 (ids 128000 …). */
function specialTokens(): string[] {
  const named = [
    '<|begin_of_text|>', '<|end_of_text|>', '<|reserved_special_token_0|>', '<|reserved_special_token_1|>', '<|finetune_right_pad_id|>',
    '<|reserved_special_token_2|>', '<|start_header_id|>', '<|end_header_id|>', '<|eom_id|>', '<|eot_id|>', '<|python_tag|>',
  ];
  for (let i = 3; i < 248; i++) named.push(`<|reserved_special_token_${i}|>`);
  return named;
}

/** LLaMA 3's 280,147 merges in 2^19 slots (about half full): 8 MB in the four tables below. */
const MERGE_SLOT_BITS = 19;
const MERGE_SLOTS = 1 << MERGE_SLOT_BITS;
const KEY_POSITION_BITS = 2 ** 22;
const MAX_CACHED_PRETOKEN = 48;
/** Words repeat (a few thousand make most text); beyond this the cache is mostly one-off strings (ids, hex). */
const MAX_CACHE_ENTRIES = 20_000;
/** Texts up to this long are counted in one go (a few milliseconds at worst); longer ones yield as they go. */
const SYNC_CHARS = 4096;
const YIELD_EVERY_CHARS = 16_384;
/** Merge candidates handled between two yields on one long pre-token (about 2 ms). */
const STEP_POPS = 8192;

class Llama3Counter {
  private readonly idByString = new Map<string, number>();
  /** By byte: the id of its one-symbol token. */
  private readonly byteId = new Int32Array(256);
  private readonly symbols = byteSymbols();
  /** Open addressing on (left id, right id): slot → left+1 (0 = empty), right, rank, merged id. */
  private readonly mergeLeft = new Int32Array(MERGE_SLOTS);
  private readonly mergeRight = new Int32Array(MERGE_SLOTS);
  readonly mergeRank = new Int32Array(MERGE_SLOTS);
  readonly mergeResult = new Int32Array(MERGE_SLOTS);
  private readonly cache = new Map<string, number>();
  private readonly encoder = new TextEncoder();

  constructor() {
    const data = readBakedData();
    const vocab = Buffer.from(data.vocab, 'base64').toString('utf8').split('\n');
    vocab.push(...specialTokens());
    vocab.forEach((token, id) => this.idByString.set(token, id));
    for (let b = 0; b < 256; b++) this.byteId[b] = this.idByString.get(this.symbols[b]!)!;
    this.loadMerges(Buffer.from(data.merges, 'base64'), vocab);
  }

  count(text: string): number {
    if (text.length === 0) return 0;
    let total = 0;
    for (const part of splitSpecial(text)) total += part === null ? 1 : this.countPlain(part);
    return total;
  }

  private countPlain(text: string): number {
    let total = 0;
    for (const match of text.matchAll(PRETOKEN)) total += this.countPretoken(match[0]);
    return total;
  }

  private countPretoken(pretoken: string): number {
    const cached = this.cache.get(pretoken);
    if (cached !== undefined) return cached;
    const bytes = this.bytesOf(pretoken);
    let mapped = '';
    for (let i = 0; i < bytes.length; i++) mapped += this.symbols[bytes[i]!];
    const count = this.idByString.has(mapped) ? 1 : this.mergeCount(bytes);
    if (pretoken.length <= MAX_CACHED_PRETOKEN) {
      if (this.cache.size >= MAX_CACHE_ENTRIES) this.cache.clear();
      this.cache.set(pretoken, count);
    }
    return count;
  }

  private bytesOf(pretoken: string): Uint8Array {
    for (let i = 0; i < pretoken.length; i++) {
      if (pretoken.charCodeAt(i) > 127) return this.encoder.encode(pretoken);
    }
    const bytes = new Uint8Array(pretoken.length);
    for (let i = 0; i < pretoken.length; i++) bytes[i] = pretoken.charCodeAt(i);
    return bytes;
  }

  /** BPE of one pre-token's bytes, all at once. */
  private mergeCount(bytes: Uint8Array): number {
    const run = new MergeRun(this, bytes);
    run.step(Infinity);
    return run.tokens;
  }

  /** The same count as `count`, handing the event loop back every few milliseconds of work on long texts. */
  async countAsync(text: string): Promise<number> {
    if (text.length <= SYNC_CHARS) return this.count(text);
    let total = 0;
    let work = 0;
    for (const part of splitSpecial(text)) {
      if (part === null) {
        total += 1;
        continue;
      }
      for (const match of part.matchAll(PRETOKEN)) {
        const pretoken = match[0];
        work += pretoken.length;
        if (pretoken.length <= SYNC_CHARS) total += this.countPretoken(pretoken);
        else {
          const bytes = this.bytesOf(pretoken);
          const run = new MergeRun(this, bytes);
          while (!run.step(STEP_POPS)) await yieldToLoop();
          total += run.tokens;
        }
        if (work >= YIELD_EVERY_CHARS) {
          work = 0;
          await yieldToLoop();
        }
      }
    }
    return total;
  }

  /** The token id of one byte's symbol. */
  idOfByte(byte: number): number {
    return this.byteId[byte]!;
  }

  private slotOf(left: number, right: number): number {
    return (Math.imul(left, 0x9e3779b1) ^ Math.imul(right + 0x7f4a7c15, 0x85ebca77)) >>> (32 - MERGE_SLOT_BITS);
  }

  /** The slot of a token-id pair's merge (its rank and result are at that index), or -1 when there is none. */
  findMerge(left: number, right: number): number {
    for (let slot = this.slotOf(left, right); ; slot = (slot + 1) & (MERGE_SLOTS - 1)) {
      const stored = this.mergeLeft[slot]!;
      if (stored === 0) return -1;
      if (stored === left + 1 && this.mergeRight[slot] === right) return slot;
    }
  }

  /** 17-bit token ids, two per merge, in priority order (the library's compression); rank = index + 1. */
  private loadMerges(packed: Buffer, vocab: string[]): void {
    const usable = packed.length * 8 - ((packed.length * 8) % 17);
    let pairIndex = 0;
    let first = -1;
    for (let bit = 0; bit < usable; bit += 17) {
      const byte = bit >> 3;
      const word = ((packed[byte] ?? 0) << 16) | ((packed[byte + 1] ?? 0) << 8) | (packed[byte + 2] ?? 0);
      const tokenId = (word >> (7 - (bit & 7))) & 0x1ffff;
      if (first < 0) {
        first = tokenId;
        continue;
      }
      const result = this.idByString.get(vocab[first]! + vocab[tokenId]!);
      if (result !== undefined) this.storeMerge(first, tokenId, 2 * pairIndex + 1, result);
      pairIndex++;
      first = -1;
    }
  }

  private storeMerge(left: number, right: number, rank: number, result: number): void {
    for (let slot = this.slotOf(left, right); ; slot = (slot + 1) & (MERGE_SLOTS - 1)) {
      if (this.mergeLeft[slot] === 0) {
        this.mergeLeft[slot] = left + 1;
        this.mergeRight[slot] = right;
        this.mergeRank[slot] = rank;
        this.mergeResult[slot] = result;
        return;
      }
      if (this.mergeLeft[slot] === left + 1 && this.mergeRight[slot] === right) {
        // A pair listed twice keeps its later rank, as the library's Map does.
        this.mergeRank[slot] = rank;
        this.mergeResult[slot] = result;
        return;
      }
    }
  }
}

/** A binary min-heap of merge candidates: key (rank, position), payload (node, its version then). */
class CandidateHeap {
  size = 0;
  lastVersion = 0;
  private keys: Float64Array;
  private nodes: Int32Array;
  private versions: Int32Array;

  constructor(capacity: number) {
    const initial = Math.max(16, capacity * 2);
    this.keys = new Float64Array(initial);
    this.nodes = new Int32Array(initial);
    this.versions = new Int32Array(initial);
  }

  push(key: number, node: number, version: number): void {
    if (this.size === this.keys.length) this.grow();
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.keys[parent]! <= key) break;
      this.keys[i] = this.keys[parent]!;
      this.nodes[i] = this.nodes[parent]!;
      this.versions[i] = this.versions[parent]!;
      i = parent;
    }
    this.keys[i] = key;
    this.nodes[i] = node;
    this.versions[i] = version;
  }

  /** Removes the smallest; returns its node (its version is in lastVersion). */
  popNode(): number {
    const node = this.nodes[0]!;
    this.lastVersion = this.versions[0]!;
    const last = --this.size;
    const key = this.keys[last]!;
    const lastNode = this.nodes[last]!;
    const lastVersion = this.versions[last]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      if (child + 1 < last && this.keys[child + 1]! < this.keys[child]!) child++;
      if (this.keys[child]! >= key) break;
      this.keys[i] = this.keys[child]!;
      this.nodes[i] = this.nodes[child]!;
      this.versions[i] = this.versions[child]!;
      i = child;
    }
    this.keys[i] = key;
    this.nodes[i] = lastNode;
    this.versions[i] = lastVersion;
    return node;
  }

  private grow(): void {
    const grow = <T extends Float64Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const bigger = make(old.length * 2);
      bigger.set(old);
      return bigger;
    };
    this.keys = grow(this.keys, (n) => new Float64Array(n));
    this.nodes = grow(this.nodes, (n) => new Int32Array(n));
    this.versions = grow(this.versions, (n) => new Int32Array(n));
  }
}

/**
 * Byte-pair merging of one pre-token, lowest rank first and leftmost first among equal ranks (the library's
 * order): a doubly linked list over typed arrays, a binary heap of candidate pairs keyed by rank and position,
 * and a version per node so that candidates made stale by a neighbour's merge are skipped when popped. It can
 * stop after a number of steps and go on later, so that a long pre-token never holds the event loop.
 */
class MergeRun {
  tokens: number;
  private readonly id: Int32Array;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly version: Int32Array;
  private readonly heap: CandidateHeap;

  constructor(
    private readonly counter: Pick<Llama3Counter, 'findMerge' | 'mergeRank' | 'mergeResult' | 'idOfByte'>,
    bytes: Uint8Array,
  ) {
    const n = bytes.length;
    this.tokens = n;
    this.id = new Int32Array(n);
    this.next = new Int32Array(n);
    this.prev = new Int32Array(n);
    this.version = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      this.id[i] = counter.idOfByte(bytes[i]!);
      this.next[i] = i + 1 < n ? i + 1 : -1;
      this.prev[i] = i - 1;
    }
    this.heap = new CandidateHeap(n);
    for (let i = 0; i + 1 < n; i++) this.consider(i);
  }

  /** Runs at most `maxPops` merge candidates; true once no candidate is left (tokens is then final). */
  step(maxPops: number): boolean {
    const { id, next, prev, version, heap } = this;
    for (let pops = 0; pops < maxPops; pops++) {
      if (heap.size === 0) return true;
      const left = heap.popNode();
      if (id[left]! < 0 || version[left] !== heap.lastVersion) continue;
      const right = next[left]!;
      if (right < 0) continue;
      const slot = this.counter.findMerge(id[left]!, id[right]!);
      if (slot < 0) continue;
      id[left] = this.counter.mergeResult[slot]!;
      version[left]!++;
      id[right] = -1;
      const after = next[right]!;
      next[left] = after;
      if (after >= 0) prev[after] = left;
      this.tokens--;
      const before = prev[left]!;
      if (before >= 0) {
        version[before]!++;
        this.consider(before);
      }
      this.consider(left);
    }
    return heap.size === 0;
  }

  private consider(left: number): void {
    const right = this.next[left]!;
    if (right < 0) return;
    const slot = this.counter.findMerge(this.id[left]!, this.id[right]!);
    if (slot >= 0) this.heap.push(this.counter.mergeRank[slot]! * KEY_POSITION_BITS + left, left, this.version[left]!);
  }
}

/** Splits a text at special tokens: its plain parts, and null for each special token (one token each). */
function splitSpecial(text: string): Array<string | null> {
  if (!text.includes('<|')) return [text];
  const parts: Array<string | null> = [];
  let at = 0;
  for (const match of text.matchAll(SPECIAL_TOKEN)) {
    if (match.index > at) parts.push(text.slice(at, match.index));
    parts.push(null);
    at = match.index + match[0].length;
  }
  if (at < text.length) parts.push(text.slice(at));
  return parts;
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let counter: Llama3Counter | null = null;

/** Loads the tokenizer's data now (about 0.3 s) rather than inside the first turn, where it held every other request. */
export function loadLlama3Counter(): void {
  counter ??= new Llama3Counter();
}

/** Exact LLaMA 3 tokens of a text (the data loads on first use unless loaded at start). Long texts: use the async form. */
export function countLlama3Tokens(text: string): number {
  counter ??= new Llama3Counter();
  return counter.count(text);
}

/** The same count, never holding the event loop for more than a few milliseconds, however long the text. */
export function countLlama3TokensAsync(text: string): Promise<number> {
  counter ??= new Llama3Counter();
  return counter.countAsync(text);
}
