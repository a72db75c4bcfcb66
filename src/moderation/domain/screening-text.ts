/**
 * Text as the moderation checks read it. Attackers hide words from filters with invisible characters,
 * lookalike letters, fullwidth forms, leetspeak and spacing; each view below undoes some of that, once per
 * message, so that every rule reads text that is already normalised.
 */
export interface ScreeningText {
  /** NFKC, without invisible characters (zero-width, bidi controls, tag characters); case and punctuation kept. */
  visible: string;
  /** `visible` case-folded, horizontal whitespace collapsed, one newline between lines. */
  folded: string;
  /**
   * `folded` as bare words: accents dropped, lookalike letters and leetspeak mapped inside words that mix them
   * with Latin letters, spelled-out letters ("i g n o r e") joined, everything but letters and digits a space.
   */
  words: string;
  /** ASCII text hidden in Unicode tag characters (U+E0020–E007E), decoded; empty when there is none. */
  hidden: string;
}

// Zero-width and joiner characters, bidi controls, invisible fillers, variation selectors and the tag block.
const INVISIBLE =
  /[\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\u{1D173}-\u{1D17A}\u{E0000}-\u{E007F}\u{E0100}-\u{E01EF}]/gu;
const TAG_RUN = /[\u{E0020}-\u{E007E}]+/gu;
const BLACK_FLAG = '\u{1F3F4}'; // subdivision flags (🏴 + tag letters) are the one legitimate use of tag characters
const NON_ASCII = /[^\x00-\x7F]/;
const COMBINING_ACCENTS = /[\u0300-\u036F]/g;
const HAS_CAMEL_HUMP = /\p{Ll}\p{Lu}/u;

/**
 * Every view is built by hand-written scanners that visit each character a fixed number of times (no regular
 * expression that can revisit a position), so normalising costs time linear in the text.
 */
/** Runs of one repeated unit (up to 4 characters: "!!!!", "<|<|<|", "abab") are cut to this many units in the
 * `folded` and `words` views: a flood says nothing more than a few repetitions do, and it bounds the work of the
 * rules that read those views. */
export const MAX_REPEATED_UNITS = 16;
/** Longer letter runs in the `words` view are broken up: no phrase has such a word, and it bounds every rule's reach. */
export const MAX_WORD_CHARS = 64;
export const MAX_REPEATED_WORDS = 8;
const { imul } = Math;
const LEET_SYMBOLS = '0123456789@$!|';

/** Cyrillic, Greek and Armenian letters that pass for Latin ones once lower-cased, plus a few Latin oddities. */
const LOOKALIKES: Record<string, string> = {
  а: 'a', в: 'b', е: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x',
  ѕ: 's', і: 'i', ј: 'j', ԁ: 'd', ԛ: 'q', ԝ: 'w', һ: 'h', ӏ: 'l', ү: 'y', ɡ: 'g', ɑ: 'a', ı: 'i',
  α: 'a', β: 'b', ε: 'e', η: 'n', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', γ: 'y', ω: 'w',
  օ: 'o', ս: 'u', ո: 'n', հ: 'h', զ: 'q', ց: 'g',
};
/** Light leetspeak, applied only inside words that mix digits or symbols with letters ("1gn0r3"), never to numbers. */
const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's', '!': 'i', '|': 'l' };

// ── Character classes, looked up once per code point and cached ─────────────────────────────────────────────
const LETTER = 1;
const MARK = 2;
const DIGIT = 4;
const LOWER = 8;
const UPPER = 16;
const KNOWN = 128;
const bmpClasses = new Uint8Array(0x10000);
const IS_LETTER = /\p{L}/u;
const IS_MARK = /\p{M}/u;
const IS_DIGIT = /\p{N}/u;
const IS_LOWER = /\p{Ll}/u;
const IS_UPPER = /\p{Lu}/u;

function computeClass(codePoint: number): number {
  const char = String.fromCodePoint(codePoint);
  return (IS_LETTER.test(char) ? LETTER : 0) | (IS_MARK.test(char) ? MARK : 0) | (IS_DIGIT.test(char) ? DIGIT : 0) | (IS_LOWER.test(char) ? LOWER : 0) | (IS_UPPER.test(char) ? UPPER : 0);
}
const asciiClasses = Uint8Array.from({ length: 128 }, (_, code) => computeClass(code) | KNOWN);
const isSeparatorCode = (code: number) => code === 32 || code === 46 || code === 45 || code === 95 || code === 42 || code === 0xb7;
const leetCodes = new Uint8Array(128);
for (const char of LEET_SYMBOLS) leetCodes[char.charCodeAt(0)] = 1;

const astralClasses = new Map<number, number>();

function classOf(codePoint: number): number {
  if (codePoint < 128) return asciiClasses[codePoint]!;
  if (codePoint >= 0x10000) {
    let value = astralClasses.get(codePoint);
    if (value === undefined) astralClasses.set(codePoint, (value = computeClass(codePoint)));
    return value;
  }
  let value = bmpClasses[codePoint]!;
  if (value === 0) bmpClasses[codePoint] = value = computeClass(codePoint) | KNOWN;
  return value;
}
const isLetterOrDigit = (codePoint: number) => (classOf(codePoint) & (LETTER | DIGIT)) !== 0;
const isWordChar = (codePoint: number) => (classOf(codePoint) & (LETTER | MARK | DIGIT)) !== 0;
const charLength = (codePoint: number) => (codePoint >= 0x10000 ? 2 : 1);

/** JavaScript's `\s`. */
function isSpace(code: number): boolean {
  if (code > 32 && code < 0xa0) return false;
  return (
    code === 32 || (code >= 9 && code <= 13) || code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff
  );
}

export function toScreeningText(raw: string): ScreeningText {
  const hidden = decodeTagCharacters(raw);
  const visible = stripInvisible(raw.normalize('NFKC'));
  const unescaped = unescapeLiterals(visible);
  const folded = capRepeats(collapseSpace(unescaped.toLowerCase()));
  return { visible, folded, words: toWords(splitRunTogetherWords(unescaped).toLowerCase()), hidden };
}

/** Removes zero-width, bidi-control, variation-selector and tag characters. */
export function stripInvisible(text: string): string {
  return NON_ASCII.test(text) ? text.replace(INVISIBLE, '') : text;
}

/** Tag characters mirror ASCII (U+E0041 is "A"): text written in them is invisible on screen but read by models. */
export function decodeTagCharacters(raw: string): string {
  if (!NON_ASCII.test(raw)) return '';
  let hidden = '';
  for (const match of raw.matchAll(TAG_RUN)) {
    const before = raw.slice(Math.max(0, (match.index ?? 0) - 2), match.index);
    if (before.endsWith(BLACK_FLAG)) continue;
    hidden += String.fromCodePoint(...[...match[0]].map((char) => char.codePointAt(0)! - 0xe0000)) + ' ';
  }
  return hidden.trim();
}

/** `\n`, `\r` and `\t` typed as two characters read as the line break or space they stand for ("\n\nIgnore …"). */
function unescapeLiterals(text: string): string {
  return text.includes('\\') ? text.replace(LITERAL_ESCAPE, (escape) => (escape === '\\n' ? '\n' : ' ')) : text;
}
const LITERAL_ESCAPE = /\\[nrt]/g;

/** Whitespace runs become one space, or one newline if they hold a line break; the ends are trimmed. */
function collapseSpace(text: string): string {
  let out = '';
  let from = 0;
  let i = 0;
  while (i < text.length) {
    if (!isSpace(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let end = i;
    let newline = false;
    for (; end < text.length && isSpace(text.charCodeAt(end)); end++) if (text.charCodeAt(end) === 10) newline = true;
    const replacement = i === 0 || end === text.length ? '' : newline ? '\n' : ' ';
    if (end - i !== 1 || text[i] !== replacement) {
      out += text.slice(from, i) + replacement;
      from = end;
    }
    i = end;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** Cuts every run of a repeated unit of 1–4 characters to MAX_REPEATED_UNITS units, in one pass. */
export function capRepeats(text: string): string {
  if (text.length <= MAX_REPEATED_UNITS) return text;
  let out = '';
  let from = 0;
  // sP: how many characters in a row have equalled the one P places before; cP: the character P places before.
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  let c1 = text.charCodeAt(0);
  let c2 = -1;
  let c3 = -1;
  let c4 = -1;
  for (let k = 1; k < text.length; k++) {
    const code = text.charCodeAt(k);
    s1 = code === c1 ? s1 + 1 : 0;
    s2 = code === c2 ? s2 + 1 : 0;
    s3 = code === c3 ? s3 + 1 : 0;
    s4 = code === c4 ? s4 + 1 : 0;
    c4 = c3;
    c3 = c2;
    c2 = c1;
    c1 = code;
    if (s1 < MAX_REPEATED_UNITS && s2 < 2 * MAX_REPEATED_UNITS - 1 && s3 < 3 * MAX_REPEATED_UNITS - 2 && s4 < 4 * MAX_REPEATED_UNITS - 3) continue;
    const period = s1 >= MAX_REPEATED_UNITS ? 1 : s2 >= 2 * MAX_REPEATED_UNITS - 1 ? 2 : s3 >= 3 * MAX_REPEATED_UNITS - 2 ? 3 : 4;
    // k is the run's first character past the limit: drop it and the rest of the run.
    out += text.slice(from, k);
    let end = k + 1;
    while (end < text.length && text.charCodeAt(end) === text.charCodeAt(end - period)) end++;
    from = end;
    s1 = s2 = s3 = s4 = 0;
    c1 = text.charCodeAt(end - 1);
    c2 = text.charCodeAt(end - 2);
    c3 = text.charCodeAt(end - 3);
    c4 = text.charCodeAt(end - 4);
    k = end - 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** "IgnorePreviousInstructions" → "Ignore Previous Instructions", in letter runs of 12 or more ("ChatGPT" stays). */
function splitRunTogetherWords(text: string): string {
  if (!HAS_CAMEL_HUMP.test(text)) return text;
  let out = '';
  let from = 0;
  let runStart = -1;
  let runLength = 0;
  let humps: number[] = [];
  let previousLower = false;
  const endRun = (at: number) => {
    if (runLength >= 12 && humps.length > 0) {
      for (const hump of humps) {
        out += text.slice(from, hump) + ' ';
        from = hump;
      }
    }
    runStart = -1;
    runLength = 0;
    humps = [];
    previousLower = false;
    return at;
  };
  for (let i = 0; i < text.length; ) {
    const codePoint = text.codePointAt(i)!;
    const kind = classOf(codePoint);
    if (kind & LETTER) {
      if (runStart < 0) runStart = i;
      runLength++;
      if (previousLower && kind & UPPER) humps.push(i);
      previousLower = (kind & LOWER) !== 0;
    } else if (runStart >= 0) endRun(i);
    i += charLength(codePoint);
  }
  if (runStart >= 0) endRun(text.length);
  return from === 0 ? text : out + text.slice(from);
}

function toWords(lowerCased: string): string {
  let text = lowerCased;
  if (NON_ASCII.test(text)) text = text.normalize('NFD').replace(COMBINING_ACCENTS, '').normalize('NFC').replaceAll('ı', 'i');
  text = joinSpelledOut(text);
  text = unmaskTokens(text);
  return capRepeats(bareWords(text));
}

/** Letters spelled out with one separator ("i g n o r e", "i.g.n.o.r.e", three letters or more) are joined; a wider gap ends the word. */
function joinSpelledOut(text: string): string {
  let out = '';
  let from = 0;
  let i = 0;
  let previousIsLetter = false;
  while (i < text.length) {
    const codePoint = text.codePointAt(i)!;
    const letter = isLetterOrDigit(codePoint);
    const next = i + charLength(codePoint);
    if (letter && !previousIsLetter && next < text.length && isSeparatorCode(text.charCodeAt(next))) {
      const separator = text[next]!;
      // ends[k] is where the (k+1)-th single letter of the run ends.
      const ends = [next];
      let at = next;
      while (at < text.length && text[at] === separator && at + 1 < text.length) {
        const following = text.codePointAt(at + 1)!;
        if (!isLetterOrDigit(following)) break;
        at = at + 1 + charLength(following);
        ends.push(at);
        if (at < text.length && isLetterOrDigit(text.codePointAt(at)!)) break;
      }
      // The last letter must not be followed by another one ("a b cd" joins "a b" only, and then not: too short).
      let letters = ends.length;
      if (at < text.length && isLetterOrDigit(text.codePointAt(at)!)) letters--;
      if (letters >= 3) {
        const end = ends[letters - 1]!;
        out += text.slice(from, i) + text.slice(i, end).replaceAll(separator, '');
        from = end;
        i = end;
        previousIsLetter = true;
        continue;
      }
    }
    previousIsLetter = letter;
    i = next;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** Undoes lookalikes and leetspeak in whitespace-separated tokens that have digits, symbols or non-ASCII letters. */
function unmaskTokens(text: string): string {
  let out = '';
  let from = 0;
  let i = 0;
  while (i < text.length) {
    if (isSpace(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let end = i;
    let unusual = false;
    while (end < text.length && !isSpace(text.charCodeAt(end))) {
      const code = text.charCodeAt(end++);
      if (code >= 0x80 || leetCodes[code] === 1) unusual = true;
    }
    if (unusual) {
      const token = text.slice(i, end);
      const unmasked = unmaskToken(token);
      if (unmasked !== token) {
        out += text.slice(from, i) + unmasked;
        from = end;
      }
    }
    i = end;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** Maps lookalikes in a word that also has Latin letters, and leetspeak in a word that has at least two letters. */
function unmaskToken(token: string): string {
  // Leading punctuation ("@" and "$" may be leet letters, so they stay in the word), trailing punctuation.
  let start = 0;
  while (start < token.length) {
    const codePoint = token.codePointAt(start)!;
    if (isLetterOrDigit(codePoint) || codePoint === 64 || codePoint === 36) break;
    start += charLength(codePoint);
  }
  let end = token.length;
  while (end > start) {
    const before = token.charCodeAt(end - 1);
    const codePoint = before >= 0xdc00 && before <= 0xdfff && end - 2 >= start ? token.codePointAt(end - 2)! : before;
    if (isLetterOrDigit(codePoint)) break;
    end -= charLength(codePoint);
  }
  let core = token.slice(start, end);
  if (NON_ASCII.test(core) && /[a-z]/.test(core)) core = mapChars(core, LOOKALIKES);
  if (/[0-9@$!|]/.test(core) && countLetters(core, 2) >= 2) core = mapChars(core, LEET);
  return token.slice(0, start) + core + token.slice(end);
}

function mapChars(text: string, table: Record<string, string>): string {
  let out = '';
  for (const char of text) out += table[char] ?? char;
  return out;
}

function countLetters(text: string, enough: number): number {
  let letters = 0;
  for (let i = 0; i < text.length && letters < enough; ) {
    const codePoint = text.codePointAt(i)!;
    if (classOf(codePoint) & LETTER) letters++;
    i += charLength(codePoint);
  }
  return letters;
}

/**
 * Letters, marks and digits; everything else becomes one space. Words longer than MAX_WORD_CHARS are cut up, and
 * a run of the same one to four words repeated more than MAX_REPEATED_WORDS times is cut there.
 */
function bareWords(text: string): string {
  const parts: string[] = [];
  const hashes: number[] = [];
  const streaks = [0, 0, 0, 0, 0];
  let i = 0;
  while (i < text.length) {
    let codePoint = text.codePointAt(i)!;
    if (!isWordChar(codePoint)) {
      i += charLength(codePoint);
      continue;
    }
    const start = i;
    let hash = 0x811c9dc5;
    while (i < text.length && isWordChar(codePoint) && i - start < MAX_WORD_CHARS) {
      hash = imul(hash ^ codePoint, 0x01000193);
      i += charLength(codePoint);
      if (i < text.length) codePoint = text.codePointAt(i)!;
    }
    let repeated = false;
    for (let period = 1; period <= 4; period++) {
      streaks[period] = hashes.length >= period && hashes[hashes.length - period] === hash ? streaks[period]! + 1 : 0;
      if (streaks[period]! >= period * MAX_REPEATED_WORDS) repeated = true;
    }
    hashes.push(hash);
    if (!repeated) parts.push(text.slice(start, i));
  }
  return parts.join(' ');
}

// A fence runs to the next fence or the end; every other quotation stops at its closing mark or at a new opening
// one, so no part of the text is scanned twice.
const CODE_PARTS = /```[^`]*(?:`(?!``)[^`]*)*(?:```|$)|`[^`\n]+`/g;
const QUOTED_PARTS = /"[^"\n]{3,}"|“[^“”]{3,}”|«[^«»]{3,}»|„[^„“”]{3,}[“”]|「[^「」]+」|『[^『』]+』/g;
const HAS_CODE_OR_QUOTES = /[`"“«„「『]/;

/** Whether the text has code (backticks) or quotations whose content a rule might be reading. */
export function hasQuotedParts(text: ScreeningText): boolean {
  return HAS_CODE_OR_QUOTES.test(text.folded);
}

/** The same text with code removed (and quotations too, unless `keepQuotes`), to tell using a phrase from mentioning it. */
export function withoutQuotedParts(text: ScreeningText, keepQuotes = false): ScreeningText {
  let remainder = text.folded.replace(CODE_PARTS, ' ');
  if (!keepQuotes) remainder = remainder.replace(QUOTED_PARTS, ' ');
  let words: string | undefined;
  // The words view is built only if a rule that reads it asks for it.
  return {
    visible: text.visible,
    folded: remainder,
    get words() {
      return (words ??= toWords(remainder));
    },
    hidden: '',
  };
}
