import type { ScreeningText } from './screening-text.js';

/**
 * The learned half of the injection detector: logistic regression over hashed character n-grams (3–5, of the
 * `folded` view, which keeps punctuation, so fake delimiters and bracket runs count) and word uni- and bigrams
 * (of the `words` view, where lookalikes, leetspeak and accents are already undone). Trained by
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

  constructor(private readonly model: InjectionClassifierModel) {
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
    const blocks = this.blocksOf(text.folded, text.words).map(logScaled);
    let dot = 0;
    let squares = 0;
    let best = 0;
    for (const block of blocks) {
      const blockDot = this.dotOf(block);
      dot += blockDot;
      squares += block.squaredNorm;
      if (blocks.length > 1) best = max(best, sigmoid(this.model.bias + blockDot / (sqrt(block.squaredNorm) || 1)));
    }
    return max(best, sigmoid(this.model.bias + dot / (sqrt(squares) || 1)));
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

  private dotOf({ buckets, values }: LogScaled): number {
    const weights = this.model.weights;
    let dot = 0;
    for (let i = 0; i < buckets.length; i++) dot += weights[buckets[i]!]! * values[i]!;
    return dot;
  }

  /** Hashed counts per block of BLOCK_CHARS characters (the `words` view cut at the same share, at a space). */
  private blocksOf(folded: string, words: string): BlockCounts[] {
    const count = max(1, round(folded.length / BLOCK_CHARS));
    const blocks: BlockCounts[] = [];
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
      classifierWork.characters += to - from + wordEnd - wordStart;
      wordStart = wordEnd;
      blocks.push(this.drain());
    }
    return blocks;
  }

  private readonly add = (hash: number): void => {
    const bucket = hash & this.mask;
    if (this.counts[bucket] === 0) this.touched[this.size++] = bucket;
    this.counts[bucket]! += 1;
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
    const value = count < 256 ? LOG1P[count]! : log1p(count);
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
    const value = count < 256 ? LOG1P[count]! : log1p(count);
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
  for (let start = from; start < to && start + MIN_CHAR_NGRAM <= limit; start++) {
    let hash = FNV_OFFSET;
    for (let n = 1; n <= MAX_CHAR_NGRAM && start + n <= limit; n++) {
      hash = imul(hash ^ text.charCodeAt(start + n - 1), FNV_PRIME);
      if (n >= MIN_CHAR_NGRAM) add(mix(hash + n));
    }
  }
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
