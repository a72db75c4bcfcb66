/**
 * Scrubs secrets and personal data from anything gus writes to logs or the payload audit: API keys,
 * JWTs and bearer tokens, emails, phone numbers, Luhn-valid card numbers and passwords written out in text.
 * Plain code, no framework, and linear: each text is cut to MAX_SCRUBBED_CHARS first, then read once, word
 * by word, by hand-written scanners (no backtracking regular expression ever sees it). Values are walked only
 * so deep and so wide (see redactValue), so no log line costs more than a bounded amount of work.
 */
export const REDACTED = '[REDACTED]';

/** Longest text scrubbed (and logged) from one field; the rest is dropped and counted. */
export const MAX_SCRUBBED_CHARS = 2048;
/** How deep, how many keys and items redactValue copies; beyond that it notes what it left out. */
const MAX_DEPTH = 4;
const MAX_KEYS = 32;
const MAX_ITEMS = 32;

/** Field names whose values are secrets whatever they look like. */
const SECRET_FIELDS = new Set([
  'authorization', 'cookie', 'set-cookie', 'password', 'passwordhash', 'password_hash', 'accesstoken', 'access_token', 'refreshtoken',
  'token', 'key', 'apikey', 'api_key', 'secret', 'jwt', 'jwt_secret', 'x-api-key',
]);

const PASSWORD_CUES = new Set(['password', 'passwd', 'passcode', 'passphrase', 'pass', 'pwd', 'pw']);

const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13) || c === 160 || c === 0x2028 || c === 0x2029 || c === 0x3000;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAsciiLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
/** Letters of any script, digits and `_`: what a number or a key must not touch to count as one. */
const isWordChar = (text: string, i: number): boolean => {
  const c = text.charCodeAt(i);
  if (isDigit(c) || isAsciiLetter(c) || c === 95) return true;
  return c > 127 && /\p{L}|\p{N}/u.test(text[i]!);
};
/** [A-Za-z0-9_-]: the alphabet of API keys and base64url. */
const isKeyChar = (c: number): boolean => isDigit(c) || isAsciiLetter(c) || c === 95 || c === 45;
/** [A-Za-z0-9._%+-]: the local part of an email address. */
const isLocalChar = (c: number): boolean => isDigit(c) || isAsciiLetter(c) || c === 46 || c === 95 || c === 37 || c === 43 || c === 45;
/** [A-Za-z0-9.-]: a domain. */
const isDomainChar = (c: number): boolean => isDigit(c) || isAsciiLetter(c) || c === 46 || c === 45;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return digits.length >= 13 && sum % 10 === 0;
}

/** A replacement of text[start, end) by `marker`. */
interface Cut {
  start: number;
  end: number;
  marker: string;
}

/** The text with every secret and piece of personal data replaced by a marker; at most `maxChars` of it. */
export function redactText(input: string, maxChars = MAX_SCRUBBED_CHARS): string {
  const text = input.length > maxChars ? input.slice(0, maxChars) : input;
  const cuts: Cut[] = [];
  scanWords(text, cuts);
  scanNumbers(text, cuts);
  let out = applyCuts(text, cuts);
  if (input.length > text.length) out += `…[${input.length - text.length} more characters not logged]`;
  return out;
}

/** Word by word: keys, tokens and emails inside a word; bearer tokens and passwords after their cue word. */
function scanWords(text: string, cuts: Cut[]): void {
  let redactNext: string | null = null;
  let afterCue = false; // the previous word was a password cue: "is", ":" or "=" may still come before the password
  for (let start = 0; start < text.length; ) {
    while (start < text.length && isSpace(text.charCodeAt(start))) start++;
    let end = start;
    while (end < text.length && !isSpace(text.charCodeAt(end))) end++;
    if (end === start) break;
    const word = text.slice(start, end);
    const lower = word.toLowerCase();
    if (redactNext !== null && !(afterCue && (lower === 'is' || lower === ':' || lower === '='))) {
      cuts.push({ start, end, marker: redactNext });
      redactNext = null;
      afterCue = false;
    } else if (redactNext === null) {
      inWord(text, start, end, cuts);
      const cue = passwordCue(lower);
      if (lower === 'bearer') redactNext = REDACTED;
      else if (cue !== null) {
        if (cue < word.length) cuts.push({ start: start + cue, end, marker: '[REDACTED:password]' });
        else {
          redactNext = '[REDACTED:password]';
          afterCue = true;
        }
      }
    }
    start = end;
  }
}

/**
 * For a word that starts with a password cue ("password", "pw:", "passcode=1234"): where the password
 * starts within the word (its length when the password is the next word), or null when it is no cue.
 */
function passwordCue(lower: string): number | null {
  let i = 0;
  while (i < lower.length && isAsciiLetter(lower.charCodeAt(i))) i++;
  if (!PASSWORD_CUES.has(lower.slice(0, i))) return null;
  if (i === lower.length) return i;
  const c = lower.charCodeAt(i);
  if (c !== 58 && c !== 61) return null; // ':' or '='
  i++;
  if (lower.startsWith('[redacted', i)) return null;
  return i;
}

/** Keys (gus_…, sk-…), JWTs and emails inside one word, each found by one forward scan. */
function inWord(text: string, start: number, end: number, cuts: Cut[]): void {
  for (let i = start; i < end; ) {
    const c = text.charCodeAt(i);
    const boundary = i === start || !isWordChar(text, i - 1);
    if (c === 103 && text.startsWith('gus_', i)) {
      const runEnd = keyRun(text, i + 4, end);
      if (runEnd - (i + 4) >= 16) {
        cuts.push({ start: i, end: runEnd, marker: '[REDACTED:api-key]' });
        i = runEnd;
        continue;
      }
    } else if (boundary && (c === 115 || c === 112 || c === 114) && text.charCodeAt(i + 1) === 107 && text.charCodeAt(i + 2) === 45) {
      const runEnd = keyRun(text, i + 3, end);
      if (runEnd - (i + 3) >= 16) {
        cuts.push({ start: i, end: runEnd, marker: '[REDACTED:api-key]' });
        i = runEnd;
        continue;
      }
    } else if (boundary && c === 101 && text.startsWith('eyJ', i)) {
      const jwtEnd = jwtAt(text, i, end);
      if (jwtEnd > 0) {
        cuts.push({ start: i, end: jwtEnd, marker: '[REDACTED:jwt]' });
        i = jwtEnd;
        continue;
      }
    } else if (c === 64) {
      const email = emailAround(text, i, start, end);
      if (email) {
        cuts.push({ start: email.start, end: email.end, marker: '[REDACTED:email]' });
        i = email.end;
        continue;
      }
    }
    i++;
  }
}

function keyRun(text: string, from: number, end: number): number {
  let i = from;
  while (i < end && isKeyChar(text.charCodeAt(i))) i++;
  return i;
}

/** Three base64url segments of at least 5 characters, joined by dots; the end, or 0. */
function jwtAt(text: string, from: number, end: number): number {
  let i = from;
  for (let segment = 0; segment < 3; segment++) {
    const segmentEnd = keyRun(text, i, end);
    if (segmentEnd - i < 5) return 0;
    i = segmentEnd;
    if (segment < 2) {
      if (text.charCodeAt(i) !== 46) return 0;
      i++;
    }
  }
  return i;
}

/** local@domain.tld around the `@` at `at`, within the word; the local part never crosses another `@`. */
function emailAround(text: string, at: number, wordStart: number, wordEnd: number): { start: number; end: number } | null {
  let left = at;
  while (left > wordStart && isLocalChar(text.charCodeAt(left - 1))) left--;
  if (left === at) return null;
  let right = at + 1;
  while (right < wordEnd && isDomainChar(text.charCodeAt(right))) right++;
  // The top-level domain: letters only, at least two; a trailing dot is punctuation, not part of it.
  while (right > at + 1 && text.charCodeAt(right - 1) === 46) right--;
  let lastDot = right - 1;
  while (lastDot > at && text.charCodeAt(lastDot) !== 46) lastDot--;
  if (lastDot <= at + 1 || right - lastDot - 1 < 2) return null;
  let tldLetters = lastDot + 1;
  while (tldLetters < right && isAsciiLetter(text.charCodeAt(tldLetters))) tldLetters++;
  if (tldLetters - lastDot - 1 < 2) return null;
  return { start: left, end: tldLetters };
}

/** A run of digit groups: `+44 20 7946 0958`, `(555) 123-4567`, `4111 1111 1111 1111`. */
interface DigitRun {
  start: number;
  end: number;
  /** Digits of each group, in order. */
  groups: string[];
  plus: boolean;
  parenthesised: boolean;
  separators: Set<string>;
}

/** Cards and phone numbers: every maximal run of digit groups, read once and judged as a whole. */
function scanNumbers(text: string, cuts: Cut[]): void {
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    const opens = isDigit(c) || ((c === 43 || c === 40) && isDigit(text.charCodeAt(i + 1)));
    if (!opens || (i > 0 && (isWordChar(text, i - 1) || text.charCodeAt(i - 1) === 43 || text.charCodeAt(i - 1) === 45))) {
      i++;
      continue;
    }
    const run = digitRun(text, i);
    const touchesWord = run.end < text.length && (isWordChar(text, run.end) || text.charCodeAt(run.end) === 45);
    if (!touchesWord) {
      const marker = judge(text, run);
      if (marker) cuts.push({ start: run.start, end: run.end, marker });
    }
    i = Math.max(run.end, i + 1);
  }
}

function digitRun(text: string, start: number): DigitRun {
  const run: DigitRun = { start, end: start, groups: [], plus: false, parenthesised: false, separators: new Set() };
  let i = start;
  if (text.charCodeAt(i) === 43) {
    run.plus = true;
    i++;
  }
  for (;;) {
    let group = i;
    const paren = text.charCodeAt(i) === 40;
    if (paren) group++;
    let j = group;
    while (j < text.length && isDigit(text.charCodeAt(j))) j++;
    if (j === group) break;
    if (paren) {
      if (text.charCodeAt(j) !== 41) break;
      run.parenthesised = true;
    }
    run.groups.push(text.slice(group, j));
    i = paren ? j + 1 : j;
    run.end = i;
    const sep = text[i];
    // One separator between groups; a dot or dash must be followed by a digit (else it ends the sentence).
    if ((sep === ' ' || sep === '-' || sep === '.') && (isDigit(text.charCodeAt(i + 1)) || text.charCodeAt(i + 1) === 40)) {
      run.separators.add(sep);
      i++;
    } else break;
  }
  return run;
}

/** Which marker a run of digit groups earns, if any. */
function judge(text: string, run: DigitRun): string | null {
  const digits = run.groups.join('');
  const raw = text.slice(run.start, run.end);
  if (/^\d{4}-\d{2}-\d{2}$/.test(raw)) return null; // a date (anchored, fixed length: no backtracking)
  const cardLike = !run.plus && !run.parenthesised && !run.separators.has('.') && run.separators.size <= 1;
  if (cardLike && digits.length >= 13 && digits.length <= 19 && luhnValid(digits)) return '[REDACTED:card]';
  if (digits.length < 7) return null;
  if (run.plus && run.groups.length === 1) return digits.length >= 8 && digits.length <= 15 ? '[REDACTED:phone]' : null;
  const groups = run.plus ? run.groups.slice(1) : run.groups;
  if (run.plus && run.groups[0]!.length > 3) return null;
  const local = run.parenthesised ? groups.slice(1) : groups;
  const ok = local.every((g) => g.length >= 2 && g.length <= 4);
  const enough = run.parenthesised ? local.length >= 2 : local.length >= 3;
  return ok && enough && local.length <= 5 ? '[REDACTED:phone]' : null;
}

function applyCuts(text: string, cuts: Cut[]): string {
  if (cuts.length === 0) return text;
  cuts.sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let at = 0;
  for (const cut of cuts) {
    if (cut.start < at) continue; // inside an earlier cut
    out += text.slice(at, cut.start) + cut.marker;
    at = cut.end;
  }
  return out + text.slice(at);
}

/**
 * A copy of `value` with secret fields blanked and every string scrubbed, at most MAX_DEPTH deep and
 * MAX_KEYS / MAX_ITEMS wide (what is left out is counted, not walked): a log line's cost is bounded
 * whatever a client sent.
 */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[nested too deep to log]';
  if (value instanceof Error) return { name: value.name, message: redactText(value.message) };
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((item) => redactValue(item, depth + 1));
    if (value.length > MAX_ITEMS) items.push(`[${value.length - MAX_ITEMS} more items not logged]`);
    return items;
  }
  const out: Record<string, unknown> = {};
  let kept = 0;
  for (const key in value) {
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    if (kept === MAX_KEYS) {
      out['…'] = 'more keys not logged';
      break;
    }
    kept++;
    const item = (value as Record<string, unknown>)[key];
    out[redactText(key)] = SECRET_FIELDS.has(key.toLowerCase()) ? REDACTED : redactValue(item, depth + 1);
  }
  return out;
}
