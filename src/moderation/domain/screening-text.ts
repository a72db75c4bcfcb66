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
const HORIZONTAL_SPACE = /[^\S\n]+/g;
const UNUSUAL_SPACE = /[^\S\n ]| {2}|\n\s| \n/;
const LINE_BREAKS = / ?\n[\s]*/g;
const COMBINING_ACCENTS = /[\u0300-\u036F]/g;
const NOT_WORD = /[^\p{L}\p{M}\p{N}]+/gu;
/** A whitespace-delimited token with something other than lower-case ASCII letters and punctuation in it. */
const UNUSUAL_TOKEN = /(?<!\S)\S*[0-9@$!|\u0080-\u{10FFFF}]\S*/gu;
const EDGE_PUNCTUATION = /^([^\p{L}\p{N}@$]*)(.*?)([^\p{L}\p{N}]*)$/su;
/** Letters spelled out with one separator ("i g n o r e", "i.g.n.o.r.e"); a wider gap ends the word. */
const SPELLED_OUT = /(?<![\p{L}\p{N}])[\p{L}\p{N}]([ .\-_*·])[\p{L}\p{N}](?:\1[\p{L}\p{N}])+(?![\p{L}\p{N}])/gu;
const CAMEL_HUMP = /(\p{Ll})(\p{Lu})/gu;
const HAS_CAMEL_HUMP = /\p{Ll}\p{Lu}/u;
/** Long enough to be words run together ("IgnorePreviousInstructions"), not a name like "ChatGPT" or "LLaMA". */
const LONG_WORD = /\p{L}{12,}/gu;
const LATIN = /[a-z]/;
const DIGIT_OR_SYMBOL = /[0-9@$!|]/;
const TWO_LETTERS = /\p{L}.*\p{L}/su;

/** Cyrillic, Greek and Armenian letters that pass for Latin ones once lower-cased, plus a few Latin oddities. */
const LOOKALIKES: Record<string, string> = {
  а: 'a', в: 'b', е: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x',
  ѕ: 's', і: 'i', ј: 'j', ԁ: 'd', ԛ: 'q', ԝ: 'w', һ: 'h', ӏ: 'l', ү: 'y', ɡ: 'g', ɑ: 'a', ı: 'i',
  α: 'a', β: 'b', ε: 'e', η: 'n', ι: 'i', κ: 'k', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', γ: 'y', ω: 'w',
  օ: 'o', ս: 'u', ո: 'n', հ: 'h', զ: 'q', ց: 'g',
};
/** Light leetspeak, applied only inside words that mix digits or symbols with letters ("1gn0r3"), never to numbers. */
const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's', '!': 'i', '|': 'l' };

export function toScreeningText(raw: string): ScreeningText {
  const hidden = decodeTagCharacters(raw);
  const visible = stripInvisible(raw.normalize('NFKC'));
  const lower = visible.toLowerCase();
  const folded = (UNUSUAL_SPACE.test(lower) ? lower.replace(HORIZONTAL_SPACE, ' ').replace(LINE_BREAKS, '\n') : lower).trim();
  return { visible, folded, words: toWords(splitRunTogetherWords(visible).toLowerCase()), hidden };
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

function splitRunTogetherWords(text: string): string {
  return HAS_CAMEL_HUMP.test(text) ? text.replace(LONG_WORD, (word) => word.replace(CAMEL_HUMP, '$1 $2')) : text;
}

function toWords(lowerCased: string): string {
  let text = lowerCased;
  if (NON_ASCII.test(text)) text = text.normalize('NFD').replace(COMBINING_ACCENTS, '').normalize('NFC').replaceAll('ı', 'i');
  text = text.replace(SPELLED_OUT, (run, separator: string) => run.replaceAll(separator, ''));
  text = text.replace(UNUSUAL_TOKEN, unmaskToken);
  return text.replace(NOT_WORD, ' ').trim();
}

/** Maps lookalikes in a word that also has Latin letters, and leetspeak in a word that has at least two letters. */
function unmaskToken(token: string): string {
  const [, lead = '', core = '', trail = ''] = EDGE_PUNCTUATION.exec(token) ?? [];
  let out = core;
  if (NON_ASCII.test(out) && LATIN.test(out)) out = [...out].map((char) => LOOKALIKES[char] ?? char).join('');
  if (DIGIT_OR_SYMBOL.test(out) && TWO_LETTERS.test(out)) out = [...out].map((char) => LEET[char] ?? char).join('');
  return lead + out + trail;
}

const CODE_PARTS = /```[\s\S]*?(?:```|$)|`[^`\n]+`/g;
const QUOTED_PARTS = /"[^"\n]{3,}"|“[^”]{3,}”|«[^»]{3,}»|„[^“”]{3,}[“”]|「[^」]+」|『[^』]+』/g;
const HAS_CODE_OR_QUOTES = /[`"“«„「『]/;

/** Whether the text has code (backticks) or quotations whose content a rule might be reading. */
export function hasQuotedParts(text: ScreeningText): boolean {
  return HAS_CODE_OR_QUOTES.test(text.folded);
}

/** The same text with code removed (and quotations too, unless `keepQuotes`), to tell using a phrase from mentioning it. */
export function withoutQuotedParts(text: ScreeningText, keepQuotes = false): ScreeningText {
  let remainder = text.folded.replace(CODE_PARTS, ' ');
  if (!keepQuotes) remainder = remainder.replace(QUOTED_PARTS, ' ');
  return { visible: text.visible, folded: remainder, words: toWords(remainder), hidden: '' };
}
