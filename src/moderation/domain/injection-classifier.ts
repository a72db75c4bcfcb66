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
/** Windows for long texts: long enough to hold an instruction, short enough that it is not drowned out. */
export const WINDOW_CHARS = 600;
const WINDOW_STEP = 300;
/** Only texts longer than this are also read in windows. */
const WINDOWED_ABOVE = 2 * WINDOW_CHARS;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const WORD_SALT = 0x9e3779b1;
const BIGRAM_SALT = 0x85ebca6b;

// Bound once: a global lookup per call is slow where code runs in a vm context (Jest), and this is the hot loop.
const { imul, log1p, sqrt, exp, max, min, floor, ceil } = Math;

/** Characters and words the classifier has read since start; the linear-time tests read it. */
export const classifierWork = { characters: 0 };

export class InjectionClassifier {
  private readonly mask: number;
  private readonly counts: Float32Array;
  private readonly touched: Int32Array;

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
    let best = this.score(text.folded, text.words);
    if (text.folded.length > WINDOWED_ABOVE) {
      const ratio = text.words.length / text.folded.length;
      for (let start = 0; start < text.folded.length - WINDOW_STEP; start += WINDOW_STEP) {
        const end = min(text.folded.length, start + WINDOW_CHARS);
        const folded = text.folded.slice(start, end);
        const words = text.words.slice(floor(start * ratio), ceil(end * ratio));
        best = max(best, this.score(folded, words));
      }
    }
    return best;
  }

  private score(folded: string, words: string): number {
    const { indices, values } = this.featuresOf(folded, words);
    let logit = this.model.bias;
    for (let i = 0; i < indices.length; i++) logit += this.model.weights[indices[i]!]! * values[i]!;
    return 1 / (1 + exp(-logit));
  }

  /** The sparse, L2-normalised feature vector of one text (also what training reads). */
  featuresOf(folded: string, words: string): SparseFeatures {
    let size = 0;
    const add = (hash: number) => {
      const bucket = hash & this.mask;
      if (this.counts[bucket] === 0) this.touched[size++] = bucket;
      this.counts[bucket]! += 1;
    };
    addCharNgrams(folded, add);
    addWordNgrams(words, add);
    classifierWork.characters += folded.length + words.length;

    const indices = this.touched.slice(0, size);
    const values = new Float32Array(size);
    let norm = 0;
    for (let i = 0; i < size; i++) {
      const value = log1p(this.counts[indices[i]!]!);
      values[i] = value;
      norm += value * value;
      this.counts[indices[i]!] = 0;
    }
    norm = sqrt(norm) || 1;
    for (let i = 0; i < size; i++) values[i]! /= norm;
    return { indices, values };
  }
}

/** Character 3- to 5-grams, each start hashed once incrementally (FNV-1a), with the n mixed in. */
function addCharNgrams(text: string, add: (hash: number) => void): void {
  for (let start = 0; start + MIN_CHAR_NGRAM <= text.length; start++) {
    let hash = FNV_OFFSET;
    for (let n = 1; n <= MAX_CHAR_NGRAM && start + n <= text.length; n++) {
      hash = imul(hash ^ text.charCodeAt(start + n - 1), FNV_PRIME);
      if (n >= MIN_CHAR_NGRAM) add(mix(hash + n));
    }
  }
}

/** Words (space-separated in the `words` view) and pairs of neighbouring words. */
function addWordNgrams(text: string, add: (hash: number) => void): void {
  let previous = 0;
  let hash = FNV_OFFSET;
  let length = 0;
  for (let i = 0; i <= text.length; i++) {
    const code = i < text.length ? text.charCodeAt(i) : 32;
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
