import type { ScreeningText } from './screening-text.js';

/**
 * Text hidden in an encoding a model can read (base64, hex, URL or \u escapes, ROT13, reversed), decoded so
 * that the same rules can read it. Only blobs that decode to readable text are returned: a base64 image or a
 * SHA-256 digest decodes to binary and is left alone.
 */
export type PayloadEncoding = 'base64' | 'base32' | 'hex' | 'url-encoding' | 'unicode-escapes' | 'rot13' | 'reversed';

export interface DecodedPayload {
  encoding: PayloadEncoding;
  text: string;
}

const MAX_BLOBS_PER_ENCODING = 8;
const MAX_BLOB_CHARS = 8192;
const MIN_DECODED_CHARS = 8;

/**
 * How much decoding one message may cost, across every encoding and every level of nesting: at most this many
 * payloads and this many decoded characters, then decoding stops (what was decoded is still read).
 */
export interface DecodingBudget {
  payloads: number;
  chars: number;
}
export const newDecodingBudget = (): DecodingBudget => ({ payloads: 24, chars: 40_000 });

const BASE64_BLOB = /(?<![A-Za-z0-9+/=_-])(?:[A-Za-z0-9+/]{16,}={0,2}|[A-Za-z0-9_-]{16,}={0,2})(?![A-Za-z0-9+/=_-])/g;
/** Hex of readable ASCII: every byte starts with a digit 2–7, so ordinary words never start a blob. */
const HEX_BLOB = /(?:(?:\\x|0x)?[2-7][0-9a-fA-F][\s:,]?){12,}/g;
/** Sixteen non-space characters in a row, looked for from word starts only (much faster than from every position). */
const LONG_RUN = /(?:^|\s)\S{16}/;
const HEX_PAIR = /[0-9a-fA-F]{2}/g;
/** Percent-encoded text: at least three escapes with URL characters between them ("%20all%20previous%20…"); the word before the first escape is taken in by `withLeadingWord`. */
const URL_ENCODED_BLOB = /(?:%[0-9a-fA-F]{2}[A-Za-z0-9._~+\-]{0,40}){3,}/g;
const URL_CHAR = /[A-Za-z0-9._~+\-]/;
/** Base32 (RFC 4648): upper-case letters and 2–7, padded with "=", in blocks of eight. */
const BASE32_BLOB = /(?<![A-Za-z0-9])[A-Z2-7]{16,}={0,6}(?![A-Za-z0-9=])/g;
const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const UNICODE_ESCAPED_BLOB = /(?:\\u[0-9a-fA-F]{4}[\s]?){6,}/g;
const UNICODE_ESCAPE = /\\u([0-9a-fA-F]{4})/g;
/** ROT13 of the words an injection is made of (ignore, disregard, forget, instructions, prompt, system, reveal, previous…). */
const ROT13_VOCABULARY = /(?:^| )(?:vtaber|qvfertneq|sbetrg|vafgehpgvba|cebzcg|flfgrz|erirny|cerivbhf|cevbe|bireevqr|ehyrf|thvqryvarf)/;
const ROT13_CUE = /rot[\s-]?13|caesar|cipher/;
/** The same vocabulary written backwards. */
const REVERSED_VOCABULARY = /(?:^| )(?:erongi|dragersid|tegrof|snoitcurtsni|tpmorp|metsys|laever|suoiverp|roirp|edirrevo|selur)(?![a-z])/;

/** Every readable payload found in the text (blobs are looked for in `visible`, where case is kept), within the budget. */
export function decodePayloads({ visible, folded, words }: ScreeningText, budget: DecodingBudget = newDecodingBudget()): DecodedPayload[] {
  const found: DecodedPayload[] = [];
  if (LONG_RUN.test(visible)) {
    // Both blob patterns match only inside a run of base64 characters (their union, with "="): the runs are found
    // by one scan, and the patterns read only those runs (with the character on each side, for their look-arounds).
    const runs = base64Runs(visible);
    collect(found, budget, 'base64', runs, BASE64_BLOB, decodeBase64);
    collect(found, budget, 'base32', runs, BASE32_BLOB, decodeBase32);
  }
  if (hasDigitsForHex(visible)) collect(found, budget, 'hex', visible, HEX_BLOB, decodeHex);
  if (visible.includes('%')) collect(found, budget, 'url-encoding', visible, URL_ENCODED_BLOB, decodeUrl, withLeadingWord);
  if (visible.includes('\\u')) collect(found, budget, 'unicode-escapes', visible, UNICODE_ESCAPED_BLOB, decodeUnicodeEscapes);
  if (ROT13_VOCABULARY.test(words) || ROT13_CUE.test(folded)) take(found, budget, 'rot13', rot13(visible.slice(0, budget.chars)));
  if (REVERSED_VOCABULARY.test(words)) take(found, budget, 'reversed', [...visible.slice(-budget.chars)].reverse().join(''));
  return found;
}

function take(found: DecodedPayload[], budget: DecodingBudget, encoding: PayloadEncoding, text: string): void {
  if (budget.payloads <= 0 || budget.chars <= 0) return;
  budget.payloads--;
  budget.chars -= text.length;
  found.push({ encoding, text });
}

function collect(
  found: DecodedPayload[],
  budget: DecodingBudget,
  encoding: PayloadEncoding,
  text: string,
  blob: RegExp,
  decode: (blob: string) => string | null,
  widen: (text: string, match: RegExpMatchArray) => string = (_, match) => match[0],
): void {
  let seen = 0;
  for (const match of text.matchAll(blob)) {
    if (++seen > MAX_BLOBS_PER_ENCODING || budget.payloads <= 0 || budget.chars <= 0) return;
    const decoded = decode(widen(text, match).slice(0, Math.min(MAX_BLOB_CHARS, budget.chars)));
    if (decoded !== null && isReadable(decoded)) take(found, budget, encoding, decoded);
  }
}

/** A hex blob has at least twelve bytes of readable ASCII, each starting with a digit 2–7: most texts have fewer. */
function hasDigitsForHex(text: string): boolean {
  let digits = 0;
  for (let at = 0; at < text.length; at++) {
    const code = text.charCodeAt(at);
    if (code >= 50 && code <= 55 && ++digits >= 12) return true;
  }
  return false;
}

const isBase64Char = (code: number) =>
  (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 43 || code === 47 || code === 61 || code === 95 || code === 45;

/** Runs of at least 16 base64 characters, each with one character of context on either side, joined by newlines. */
function base64Runs(text: string): string {
  let runs = '';
  let start = -1;
  for (let at = 0; at <= text.length; at++) {
    if (at < text.length && isBase64Char(text.charCodeAt(at))) {
      if (start < 0) start = at;
      continue;
    }
    if (start >= 0 && at - start >= 16) runs += `\n${text.slice(Math.max(0, start - 1), Math.min(text.length, at + 1))}`;
    start = -1;
  }
  return runs;
}

/** The blob with the URL characters just before it (at most 40), which belong to the encoded text. */
function withLeadingWord(text: string, match: RegExpMatchArray): string {
  let start = match.index!;
  while (start > 0 && match.index! - start < 40 && URL_CHAR.test(text[start - 1]!)) start--;
  return text.slice(start, match.index! + match[0].length);
}

/** Base64 has digits or symbols, or both cases: a plain long word is not base64 (one pass, no backtracking). */
function looksLikeBase64(blob: string): boolean {
  let lower = false;
  let upper = false;
  for (let i = 0; i < blob.length; i++) {
    const code = blob.charCodeAt(i);
    if (code >= 97 && code <= 122) lower = true;
    else if (code >= 65 && code <= 90) upper = true;
    else return true;
    if (lower && upper) return true;
  }
  return false;
}

function decodeBase32(blob: string): string | null {
  const digits = blob.replace(/=+$/, '');
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const char of digits) {
    buffer = (buffer << 5) | BASE32_ALPHABET.indexOf(char);
    bits += 5;
    if (bits >= 8) {
      bytes.push((buffer >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
    buffer &= 0xff;
  }
  return Buffer.from(bytes).toString('utf8');
}

function decodeBase64(blob: string): string | null {
  if (!looksLikeBase64(blob)) return null;
  // A quick look at the first bytes spares decoding an image: binary shows at once.
  if (!isReadable(Buffer.from(blob.slice(0, 64), 'base64').toString('utf8'), 0.8)) return null;
  return Buffer.from(blob, 'base64').toString('utf8');
}

function decodeHex(blob: string): string | null {
  const pairs = blob.replace(/\\x|0x/g, ' ').match(HEX_PAIR);
  if (!pairs) return null;
  return Buffer.from(pairs.join(''), 'hex').toString('utf8');
}

function decodeUrl(blob: string): string | null {
  try {
    return decodeURIComponent(blob.replaceAll('+', ' '));
  } catch {
    return null;
  }
}

function decodeUnicodeEscapes(blob: string): string {
  return blob.replace(UNICODE_ESCAPE, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))).replace(/\s+/g, ' ');
}

export function rot13(text: string): string {
  return text.replace(/[a-zA-Z]/g, (char) => {
    const base = char <= 'Z' ? 65 : 97;
    return String.fromCharCode(((char.charCodeAt(0) - base + 13) % 26) + base);
  });
}

/** Mostly letters, digits, punctuation and spaces: what a model would read as text. */
const UNREADABLE = /[\ufffd\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/gu;
const LETTERS = /\p{L}/gu;

function isReadable(text: string, minRatio = 0.9): boolean {
  if (text.length < MIN_DECODED_CHARS) return false;
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0xdc00 || code > 0xdfff) length++; // count code points: skip low surrogates
  }
  const unreadable = text.match(UNREADABLE)?.length ?? 0;
  const letters = text.match(LETTERS)?.length ?? 0;
  return (length - unreadable) / length >= minRatio && letters / length >= 0.5;
}
