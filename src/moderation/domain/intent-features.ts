import { INTENT_CONCEPTS, INTENT_LEXICON } from './intent-lexicon.js';
import { toScreeningText } from './screening-text.js';

/**
 * Features of what a text asks for, independent of its wording and language: each word of the `words` view that
 * the intent lexicon knows becomes its concept, and the classifier reads the concepts one by one, in neighbouring
 * pairs and triples ("ignore → prior → instructions", "reveal → you → secret", "persona → none → safety"), in
 * pairs a few words apart, and the first one when it opens the text (an imperative). A model trained on these
 * learns "an instruction to the model about its rules or its secret" from any collection that has one, in any
 * language of the lexicon, instead of one collection's phrasing.
 *
 * One pass over the words: each character is hashed once (twice where a two-word entry may end), a word is looked
 * up once per prefix length the lexicon has (behind a 64 K-entry filter, so most lookups are one array read), and
 * a run of CJK or Thai is searched for entries only where an entry's first character is. Linear in the text.
 */

/** Concepts this many words apart or closer are neighbours (pairs, triples). */
const NEIGHBOUR_GAP = 3;
/** Concepts within this many words make a distant pair. */
const PAIR_WINDOW = 12;
const RECENT = 4;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SPACE = 32;
const MAX_PREFIX = 24;
const MAX_DENSE = 12;
const SALT_UNIGRAM = 0x3c6ef372;
const SALT_PAIR = 0xa54ff53a;
const SALT_TRIPLE = 0x510e527f;
const SALT_DISTANT = 0x9b05688c;
const SALT_OPENING = 0x1f83d9ab;
const { imul } = Math;

interface IntentTable {
  exact: Map<number, number>;
  prefix: Map<number, number>;
  /** 1 at a prefix length some stem has. */
  prefixLengths: Uint8Array;
  pairs: Map<number, number>;
  /** Entries of scripts written without spaces, by hash, and their first characters and lengths. */
  dense: Map<number, number>;
  denseFirst: Uint8Array;
  denseLengths: Uint8Array;
  /** 1 where (hash & 0xffff) is some entry's: most words need no Map lookup. */
  maybe: Uint8Array;
}

const isDense = (code: number) => (code >= 0x0e00 && code <= 0x0e7f) || code >= 0x2e80;

function hashOf(text: string): number {
  let hash = FNV_OFFSET;
  for (let at = 0; at < text.length; at++) hash = imul(hash ^ text.charCodeAt(at), FNV_PRIME);
  return hash >>> 0;
}

function buildTable(): IntentTable {
  const table: IntentTable = {
    exact: new Map(),
    prefix: new Map(),
    prefixLengths: new Uint8Array(MAX_PREFIX + 1),
    pairs: new Map(),
    dense: new Map(),
    denseFirst: new Uint8Array(0x10000),
    denseLengths: new Uint8Array(MAX_DENSE + 1),
    maybe: new Uint8Array(0x10000),
  };
  const remember = (map: Map<number, number>, key: string, concept: number) => {
    const hash = hashOf(key);
    if (!map.has(hash)) map.set(hash, concept); // the first concept to claim a word keeps it
    table.maybe[hash & 0xffff] = 1;
  };
  INTENT_CONCEPTS.forEach((name, index) => {
    const concept = index + 1;
    for (const raw of INTENT_LEXICON[name].split(/\s+/)) {
      if (!raw) continue;
      const stem = raw.endsWith('*');
      const entry = toScreeningText((stem ? raw.slice(0, -1) : raw).replaceAll('_', ' ')).words;
      if (!entry) continue;
      if (isDense(entry.charCodeAt(0))) {
        const bare = entry.replaceAll(' ', '');
        if (bare.length < 1 || bare.length > MAX_DENSE) continue;
        remember(table.dense, bare, concept);
        table.denseFirst[bare.charCodeAt(0)] = 1;
        table.denseLengths[bare.length] = 1;
      } else if (entry.includes(' ')) {
        remember(table.pairs, entry, concept);
      } else if (stem && entry.length <= MAX_PREFIX) {
        remember(table.prefix, entry, concept);
        table.prefixLengths[entry.length] = 1;
      } else {
        remember(table.exact, entry, concept);
      }
    }
  });
  return table;
}

const TABLE = buildTable();

/** Words the intent features have read since start; the linear-time tests read it. */
export const intentWork = { characters: 0 };

const mix = (value: number): number => {
  let h = value | 0;
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
};

/**
 * Emits the intent features of words[from, to) (a block of the `words` view). `opening`: the block starts the
 * text, so its first concept, if among its first two words, is the text's opening.
 */
export function addIntentFeatures(words: string, from: number, to: number, opening: boolean, add: (hash: number) => void): void {
  const { exact, prefix, prefixLengths, pairs, dense, denseFirst, denseLengths, maybe } = TABLE;
  const recent = [0, 0, 0, 0];
  const recentAt = [0, 0, 0, 0];
  let count = 0;
  let position = 0;
  const emit = (concept: number) => {
    add(mix(SALT_UNIGRAM ^ concept));
    if (opening && count === 0 && position <= 1) add(mix(SALT_OPENING ^ concept));
    if (count > 0) {
      const last = (count - 1) % RECENT;
      if (position - recentAt[last]! <= NEIGHBOUR_GAP) {
        add(mix(SALT_PAIR ^ ((recent[last]! << 6) | concept)));
        if (count > 1) {
          const before = (count - 2) % RECENT;
          if (recentAt[last]! - recentAt[before]! <= NEIGHBOUR_GAP) add(mix(SALT_TRIPLE ^ ((recent[before]! << 12) | (recent[last]! << 6) | concept)));
        }
      }
      for (let back = 2; back <= RECENT && back <= count; back++) {
        const slot = (count - back) % RECENT;
        if (position - recentAt[slot]! <= PAIR_WINDOW) add(mix(SALT_DISTANT ^ ((recent[slot]! << 6) | concept)));
      }
    }
    recent[count % RECENT] = concept;
    recentAt[count % RECENT] = position;
    count++;
  };

  let previousWord = 0; // the FNV state after the previous word, for two-word entries
  for (let start = from; start < to; ) {
    let hash = FNV_OFFSET;
    let pairHash = previousWord === 0 ? 0 : imul(previousWord ^ SPACE, FNV_PRIME);
    let stemConcept = 0;
    let end = start;
    let denseRun = false;
    for (; end < to; end++) {
      const code = words.charCodeAt(end);
      if (code === SPACE) break;
      if (isDense(code)) denseRun = true;
      hash = imul(hash ^ code, FNV_PRIME);
      if (pairHash !== 0) pairHash = imul(pairHash ^ code, FNV_PRIME);
      const length = end - start + 1;
      if (length <= MAX_PREFIX && prefixLengths[length] === 1 && maybe[(hash >>> 0) & 0xffff] === 1) {
        const concept = prefix.get(hash >>> 0);
        if (concept !== undefined) stemConcept = concept; // the longest stem wins
      }
    }
    intentWork.characters += end - start;
    if (denseRun) {
      // Entries inside a run of CJK or Thai (no spaces between words): the longest at each place, then past it.
      for (let at = start; at < end; ) {
        let found = 0;
        let length = 1;
        if (denseFirst[words.charCodeAt(at)] === 1) {
          let run = FNV_OFFSET;
          for (let n = 1; n <= MAX_DENSE && at + n <= end; n++) {
            run = imul(run ^ words.charCodeAt(at + n - 1), FNV_PRIME);
            if (denseLengths[n] !== 1) continue;
            const concept = dense.get(run >>> 0);
            if (concept !== undefined) (found = concept), (length = n);
          }
        }
        if (found) {
          emit(found);
          position++;
        }
        at += length;
      }
      position++;
    } else {
      const whole = hash >>> 0;
      const pair = pairHash !== 0 && maybe[(pairHash >>> 0) & 0xffff] === 1 ? pairs.get(pairHash >>> 0) : undefined;
      const concept = pair ?? (maybe[whole & 0xffff] === 1 ? exact.get(whole) : undefined) ?? stemConcept;
      if (concept) emit(concept);
      position++;
    }
    previousWord = end > start ? hash : 0;
    start = end + 1;
  }
}
