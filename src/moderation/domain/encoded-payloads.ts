import type { ScreeningText } from './screening-text.js';

/**
 * Text hidden in an encoding a model can read (base64, hex, URL or \u escapes, ROT13, reversed), decoded so
 * that the same rules can read it. Only blobs that decode to readable text are returned: a base64 image or a
 * SHA-256 digest decodes to binary and is left alone.
 */
export type PayloadEncoding = 'base64' | 'hex' | 'url-encoding' | 'unicode-escapes' | 'rot13' | 'reversed';

export interface DecodedPayload {
  encoding: PayloadEncoding;
  text: string;
}

const MAX_BLOBS_PER_ENCODING = 8;
const MAX_BLOB_CHARS = 8192;
const MIN_DECODED_CHARS = 8;

const BASE64_BLOB = /(?<![A-Za-z0-9+/=_-])(?:[A-Za-z0-9+/]{16,}={0,2}|[A-Za-z0-9_-]{16,}={0,2})(?![A-Za-z0-9+/=_-])/g;
/** Hex of readable ASCII: every byte starts with a digit 2–7, so ordinary words never start a blob. */
const HEX_BLOB = /(?:(?:\\x|0x)?[2-7][0-9a-fA-F][\s:,]?){12,}/g;
/** Sixteen non-space characters in a row, looked for from word starts only (much faster than from every position). */
const LONG_RUN = /(?:^|\s)\S{16}/;
const HEX_PAIR = /[0-9a-fA-F]{2}/g;
const URL_ENCODED_BLOB = /(?:%[0-9a-fA-F]{2}[A-Za-z0-9 ]{0,3}){6,}/g;
const UNICODE_ESCAPED_BLOB = /(?:\\u[0-9a-fA-F]{4}[\s]?){6,}/g;
const UNICODE_ESCAPE = /\\u([0-9a-fA-F]{4})/g;
/** ROT13 of the words an injection is made of (ignore, disregard, forget, instructions, prompt, system, reveal, previous…). */
const ROT13_VOCABULARY = /(?:^| )(?:vtaber|qvfertneq|sbetrg|vafgehpgvba|cebzcg|flfgrz|erirny|cerivbhf|cevbe|bireevqr|ehyrf|thvqryvarf)/;
const ROT13_CUE = /rot[\s-]?13|caesar|cipher/;
/** The same vocabulary written backwards. */
const REVERSED_VOCABULARY = /(?:^| )(?:erongi|dragersid|tegrof|snoitcurtsni|tpmorp|metsys|laever|suoiverp|roirp|edirrevo|selur)(?![a-z])/;

/** Every readable payload found in the text (blobs are looked for in `visible`, where case is kept). */
export function decodePayloads({ visible, folded, words }: ScreeningText): DecodedPayload[] {
  const found: DecodedPayload[] = [];
  if (LONG_RUN.test(visible)) collect(found, 'base64', visible, BASE64_BLOB, decodeBase64);
  collect(found, 'hex', visible, HEX_BLOB, decodeHex);
  if (visible.includes('%')) collect(found, 'url-encoding', visible, URL_ENCODED_BLOB, decodeUrl);
  if (visible.includes('\\u')) collect(found, 'unicode-escapes', visible, UNICODE_ESCAPED_BLOB, decodeUnicodeEscapes);
  if (ROT13_VOCABULARY.test(words) || ROT13_CUE.test(folded)) found.push({ encoding: 'rot13', text: rot13(visible) });
  if (REVERSED_VOCABULARY.test(words)) found.push({ encoding: 'reversed', text: [...visible].reverse().join('') });
  return found;
}

function collect(found: DecodedPayload[], encoding: PayloadEncoding, text: string, blob: RegExp, decode: (blob: string) => string | null): void {
  let seen = 0;
  for (const match of text.matchAll(blob)) {
    if (++seen > MAX_BLOBS_PER_ENCODING) return;
    const decoded = decode(match[0].slice(0, MAX_BLOB_CHARS));
    if (decoded !== null && isReadable(decoded)) found.push({ encoding, text: decoded });
  }
}

function decodeBase64(blob: string): string | null {
  if (!/[0-9+/=_-]|[a-z].*[A-Z]|[A-Z].*[a-z]/.test(blob)) return null; // a plain long word is not base64
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
    return decodeURIComponent(blob);
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
function isReadable(text: string, minRatio = 0.9): boolean {
  if (text.length < MIN_DECODED_CHARS) return false;
  let readable = 0;
  let letters = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code === 0xfffd || (code < 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) || (code >= 0x7f && code < 0xa0)) continue;
    readable++;
    if (/\p{L}/u.test(char)) letters++;
  }
  const length = [...text].length;
  return readable / length >= minRatio && letters / length >= 0.5;
}
