import { addIntentFeatures } from './intent-features.js';
import type { ScreeningText } from './screening-text.js';

/**
 * The learned half of the injection detector: logistic regression over hashed character n-grams (3–5, of the
 * `folded` view, which keeps punctuation, so fake delimiters and bracket runs count) and word uni- and bigrams
 * (of the `words` view, where lookalikes, leetspeak and accents are already undone), and intent features: the
 * words' concepts from a small multilingual lexicon, alone and in sequence (intent-features.ts). Trained by
 * scripts/injection/train-classifier.mjs; the weights file is read by the repository layer and handed over.
 *
 * Work is linear in the text: each character is hashed a fixed number of times, and a long text is read once
 * whole and once more in overlapping windows, so that an instruction hidden in a long document is scored on
 * its own and not diluted by the document around it.
 */
export interface InjectionClassifierModel {
  /** Size of the hashed feature space, a power of two. */
  buckets: number;
  bias: number;
  weights: Float32Array;
  /**
   * What one intent feature (intent-features.ts: concepts such as "ignore → prior → instructions", in any
   * language) counts for beside one n-gram; 0: none are read (a model trained without them).
   */
  intentWeight?: number;
}

export interface SparseFeatures {
  indices: Int32Array;
  values: Float32Array;
}

const MIN_CHAR_NGRAM = 3;
const MAX_CHAR_NGRAM = 5;
/**
 * A long text is cut into blocks, long enough to hold an instruction, short enough that it is not drowned out by
 * the document around it; the text is scored whole and block by block. Each block is hashed once. The whole
 * text's vector is the sum of its blocks' (log-scaled) vectors over the root of the sum of their squared norms,
 * so its score is a sum of per-block dot products: nothing is merged.
 */
export const BLOCK_CHARS = 600;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const WORD_SALT = 0x9e3779b1;
const BIGRAM_SALT = 0x85ebca6b;

// Bound once: a global lookup per call is slow where code runs in a vm context (Jest), and this is the hot loop.
const { imul, log1p, sqrt, exp, max, min, round } = Math;

/** Characters the classifier has hashed since start; the linear-time tests read it. */
export const classifierWork = { characters: 0 };

interface BlockCounts {
  buckets: Int32Array;
  counts: Float32Array;
}

export class InjectionClassifier {
  private readonly mask: number;
  private readonly counts: Float32Array;
  private readonly touched: Int32Array;
  private size = 0;
  private readonly intentWeight: number;

  constructor(private readonly model: InjectionClassifierModel) {
    this.intentWeight = model.intentWeight ?? 0;
    const { buckets, weights, bias } = model;
    if (!Number.isInteger(Math.log2(buckets)) || weights.length !== buckets || !Number.isFinite(bias)) {
      throw new Error(`injection classifier: ${weights.length} weights for ${buckets} buckets (a power of two) and bias ${bias}`);
    }
    this.mask = buckets - 1;
    this.counts = new Float32Array(buckets);
    this.touched = new Int32Array(buckets);
  }

  /** Probability that the text is an injection: the whole text's, or its most suspicious window's if higher. */
  probability(text: Pick<ScreeningText, 'folded' | 'words'>): number {
    let dot = 0;
    let squares = 0;
    let best = 0;
    let blocks = 0;
    const weights = this.model.weights;
    // Each block's counts are log-scaled, dotted with the weights and cleared where they lie: nothing is allocated.
    this.readBlocks(text.folded, text.words, () => {
      let blockDot = 0;
      let blockSquares = 0;
      for (let i = 0; i < this.size; i++) {
        const bucket = this.touched[i]!;
        const count = this.counts[bucket]!;
        const value = count < 256 && (count | 0) === count ? LOG1P[count]! : log1p(count);
        blockDot += weights[bucket]! * value;
        blockSquares += value * value;
        this.counts[bucket] = 0;
      }
      this.size = 0;
      dot += blockDot;
      squares += blockSquares;
      blocks++;
      best = max(best, sigmoid(this.model.bias + blockDot / (sqrt(blockSquares) || 1)));
    });
    const whole = sigmoid(this.model.bias + dot / (sqrt(squares) || 1));
    return blocks > 1 ? max(best, whole) : whole;
  }

  /** The feature vector of a whole text, as `probability` scores it (what training reads; merged here). */
  featuresOf(folded: string, words: string): SparseFeatures {
    const blocks = this.blocksOf(folded, words).map(logScaled);
    let squares = 0;
    for (const { buckets, values, squaredNorm } of blocks) {
      squares += squaredNorm;
      for (let i = 0; i < buckets.length; i++) {
        const bucket = buckets[i]!;
        if (this.counts[bucket] === 0) this.touched[this.size++] = bucket;
        this.counts[bucket]! += values[i]!;
      }
    }
    const { buckets: indices, counts: sums } = this.drain();
    const norm = sqrt(squares) || 1;
    for (let i = 0; i < sums.length; i++) sums[i]! /= norm;
    return { indices, values: sums };
  }

  /** Feature vectors of the blocks of a long text (none for a short one), as `probability` reads them. */
  windowFeaturesOf(folded: string, words: string): SparseFeatures[] {
    const blocks = this.blocksOf(folded, words);
    return blocks.length > 1 ? blocks.map(normalised) : [];
  }

  /** Hashed counts per block of BLOCK_CHARS characters (the `words` view cut at the same share, at a space). */
  private blocksOf(folded: string, words: string): BlockCounts[] {
    const blocks: BlockCounts[] = [];
    this.readBlocks(folded, words, () => blocks.push(this.drain()));
    return blocks;
  }

  /** Hashes the text block by block into the scratch counts; `onBlock` takes each block's counts (and clears them). */
  private readBlocks(folded: string, words: string, onBlock: () => void): void {
    const count = max(1, round(folded.length / BLOCK_CHARS));
    let wordStart = 0;
    for (let b = 0; b < count; b++) {
      const from = floorDiv(folded.length * b, count);
      const to = floorDiv(folded.length * (b + 1), count);
      let wordEnd = words.length;
      if (b < count - 1) {
        const space = words.indexOf(' ', max(wordStart, floorDiv(words.length * (b + 1), count)));
        if (space >= 0) wordEnd = space;
      }
      // n-grams that start in this block may read up to MAX_CHAR_NGRAM - 1 characters into the next one.
      addCharNgrams(folded, from, to, min(folded.length, to + MAX_CHAR_NGRAM - 1), this.add);
      addWordNgrams(words, wordStart, wordEnd, this.add);
      if (this.intentWeight > 0) addIntentFeatures(words, wordStart, wordEnd, b === 0, this.addIntent);
      classifierWork.characters += to - from + wordEnd - wordStart;
      wordStart = wordEnd;
      onBlock();
    }
  }

  private readonly add = (hash: number): void => {
    const bucket = hash & this.mask;
    if (this.counts[bucket] === 0) this.touched[this.size++] = bucket;
    this.counts[bucket]! += 1;
  };

  private readonly addIntent = (hash: number): void => {
    const bucket = hash & this.mask;
    if (this.counts[bucket] === 0) this.touched[this.size++] = bucket;
    this.counts[bucket]! += this.intentWeight;
  };

  /** The counts gathered since the last drain, as a sparse list; the scratch space is left empty. */
  private drain(): BlockCounts {
    const buckets = this.touched.slice(0, this.size);
    const counts = new Float32Array(this.size);
    for (let i = 0; i < this.size; i++) {
      counts[i] = this.counts[buckets[i]!]!;
      this.counts[buckets[i]!] = 0;
    }
    this.size = 0;
    return { buckets, counts };
  }

}

interface LogScaled {
  buckets: Int32Array;
  values: Float32Array;
  squaredNorm: number;
}

function logScaled({ buckets, counts }: BlockCounts): LogScaled {
  const values = new Float32Array(buckets.length);
  let squaredNorm = 0;
  for (let i = 0; i < buckets.length; i++) {
    const count = counts[i]!;
    const value = count < 256 && (count | 0) === count ? LOG1P[count]! : log1p(count);
    values[i] = value;
    squaredNorm += value * value;
  }
  return { buckets, values, squaredNorm };
}

const sigmoid = (logit: number) => 1 / (1 + exp(-logit));

/** log(1 + n) for the small counts most features have. */
const LOG1P = Float32Array.from({ length: 256 }, (_, n) => Math.log1p(n));

/** log(1 + count), scaled to unit length. */
function normalised({ buckets, counts }: BlockCounts): SparseFeatures {
  const values = new Float32Array(buckets.length);
  let norm = 0;
  for (let i = 0; i < buckets.length; i++) {
    const count = counts[i]!;
    const value = count < 256 && (count | 0) === count ? LOG1P[count]! : log1p(count);
    values[i] = value;
    norm += value * value;
  }
  norm = sqrt(norm) || 1;
  for (let i = 0; i < values.length; i++) values[i]! /= norm;
  return { indices: buckets, values };
}

function floorDiv(numerator: number, denominator: number): number {
  return (numerator - (numerator % denominator)) / denominator;
}

/** Character 3- to 5-grams starting in [from, to) and ending before `limit`, each start hashed once incrementally (FNV-1a). */
function addCharNgrams(text: string, from: number, to: number, limit: number, add: (hash: number) => void): void {
  // The five characters from `start` on, slid along the text: each character is read once.
  let c1 = from < limit ? text.charCodeAt(from) : 0;
  let c2 = from + 1 < limit ? text.charCodeAt(from + 1) : 0;
  let c3 = from + 2 < limit ? text.charCodeAt(from + 2) : 0;
  let c4 = from + 3 < limit ? text.charCodeAt(from + 3) : 0;
  for (let start = from; start < to && start + MIN_CHAR_NGRAM <= limit; start++) {
    const c5 = start + 4 < limit ? text.charCodeAt(start + 4) : 0;
    const three = imul(imul(imul(FNV_OFFSET ^ c1, FNV_PRIME) ^ c2, FNV_PRIME) ^ c3, FNV_PRIME);
    add(fold(three + 3));
    if (start + 4 <= limit) {
      const four = imul(three ^ c4, FNV_PRIME);
      add(fold(four + 4));
      if (start + 5 <= limit) add(fold(imul(four ^ c5, FNV_PRIME) + 5));
    }
    c1 = c2;
    c2 = c3;
    c3 = c4;
    c4 = c5;
  }
}

/** A short avalanche for the character n-grams (the hottest loop): the low bits used as the bucket depend on all bits. */
function fold(value: number): number {
  const h = imul(value ^ (value >>> 16), 0x45d9f3b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Words (space-separated in the `words` view) of [from, to) and pairs of neighbouring words. */
function addWordNgrams(text: string, from: number, to: number, add: (hash: number) => void): void {
  let previous = 0;
  let hash = FNV_OFFSET;
  let length = 0;
  for (let i = from; i <= to; i++) {
    const code = i < to ? text.charCodeAt(i) : 32;
    if (code !== 32) {
      hash = imul(hash ^ code, FNV_PRIME);
      length++;
      continue;
    }
    if (length > 0) {
      const word = mix(hash ^ WORD_SALT);
      add(word);
      if (previous !== 0) add(mix(imul(previous, 31) ^ word ^ BIGRAM_SALT));
      previous = word;
    }
    hash = FNV_OFFSET;
    length = 0;
  }
}

/** A final avalanche (murmur3's), so that the low bits used as the bucket depend on every input bit. */
function mix(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
