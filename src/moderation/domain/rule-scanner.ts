import type { InjectionRule } from './injection-rules.js';
import type { ScreeningText } from './screening-text.js';

/**
 * Runs the phrase rules in time linear in the text. A rule's pattern is never searched for across the whole
 * text: one pass finds the places where some rule can start (the first word of its leading alternation in the
 * `words` view, or its first character in the `folded` view), and only there is the rule's pattern tried,
 * anchored (sticky). Every pattern has bounded quantifiers and the views cap words and repeated runs
 * (screening-text.ts), so each anchored try does bounded work, and the total is linear in the text.
 *
 * The index is built once, at start, by reading the patterns' sources: the first word (or character) a match
 * can begin with. A rule whose start cannot be read that way is tried at every word start (words view) or is
 * listed in `unindexed` so that a test can say so.
 */
export interface RuleIndex {
  /** First word in the `words` view → rules that can start with it. */
  wordRules: Map<string, InjectionRule[]>;
  /** FNV-1a hash of a first word → the words with that hash (a collision is checked by comparing the word). */
  firstWordHashes: Map<number, string[]>;
  /** First character (char code) in the `folded` view → rules that can start with it. */
  charRules: Map<number, InjectionRule[]>;
  /** 1 for every char code in `charRules`: a cheap test per character. */
  isFirstChar: Uint8Array;
  /** Rules that can match at the very start of the text (a `^` alternative). */
  textStartRules: InjectionRule[];
  /** Rules whose start could not be read: tried at every word start (words) or every position (folded). */
  unindexed: InjectionRule[];
  /** Rules with a hand-written scan of their own. */
  scanned: InjectionRule[];
  sticky: Map<InjectionRule, RegExp>;
}

/** How many anchored tries the rules made since start; the linear-time tests read it. */
export const ruleWork = { tries: 0, scanned: 0 };

/**
 * At most this many anchored tries per reading of a text. Repeated runs are already cut (screening-text.ts), so
 * only a text made of tens of thousands of different rule openings reaches it; past it the rules stop and the
 * classifier, which reads every character, still scores the text.
 */
export const MAX_TRIES_PER_TEXT = 24_000;

const WORD_START = '(?:^| )';
/** Stands for `^` among a pattern's first characters. */
const TEXT_START = -1;
const MAX_EXPANSIONS = 20_000;

export function buildRuleIndex(rules: InjectionRule[]): RuleIndex {
  const index: RuleIndex = { wordRules: new Map(), firstWordHashes: new Map(), charRules: new Map(), isFirstChar: new Uint8Array(0x10000), textStartRules: [], unindexed: [], scanned: [], sticky: new Map() };
  for (const rule of rules) {
    if (rule.scan) {
      index.scanned.push(rule);
      continue;
    }
    index.sticky.set(rule, new RegExp(rule.pattern.source, `${rule.pattern.flags.replace(/[gy]/g, '')}y`));
    if (rule.view === 'words') {
      const words = firstWordsOf(rule.pattern.source);
      if (!words) {
        index.unindexed.push(rule);
        continue;
      }
      for (const word of words) index.wordRules.set(word, [...(index.wordRules.get(word) ?? []), rule]);
    } else {
      const start = firstCharsOf(rule.pattern.source);
      if (!start) {
        index.unindexed.push(rule);
        continue;
      }
      for (const code of start) {
        if (code === TEXT_START) index.textStartRules.push(rule);
        else index.charRules.set(code, [...(index.charRules.get(code) ?? []), rule]);
      }
    }
  }
  for (const code of index.charRules.keys()) index.isFirstChar[code] = 1;
  for (const word of index.wordRules.keys()) {
    const hash = hashOf(word, 0, word.length);
    index.firstWordHashes.set(hash, [...(index.firstWordHashes.get(hash) ?? []), word]);
  }
  return index;
}

/**
 * The rules that fire on the text. With `only`, just those rules are tried, and a view none of them reads is not
 * scanned. (Rules' gates are not needed here: a rule is only tried where its first word or character is.)
 */
export function firedRules(text: ScreeningText, index: RuleIndex, only?: ReadonlySet<InjectionRule>): Set<InjectionRule> {
  const open = (rule: InjectionRule) => !only || only.has(rule);
  const fired = new Set<InjectionRule>();
  let tries = 0;
  const tryAt = (rule: InjectionRule, view: string, at: number) => {
    if (fired.has(rule) || tries >= MAX_TRIES_PER_TEXT || !open(rule)) return;
    tries++;
    ruleWork.tries++;
    const sticky = index.sticky.get(rule)!;
    sticky.lastIndex = at;
    if (sticky.test(view)) fired.add(rule);
  };

  const readsWords = !only || [...only].some((rule) => rule.view === 'words');
  const readsFolded = !only || [...only].some((rule) => rule.view === 'folded');
  const words = readsWords ? text.words : '';
  const folded = readsFolded ? text.folded : '';
  ruleWork.scanned += words.length + folded.length;
  // Every word of the `words` view, hashed as it is read; a word some rule can start with is a place to try it.
  for (let start = 0; start < words.length; ) {
    let end = start;
    let hash = FNV_OFFSET;
    for (; end < words.length; end++) {
      const code = words.charCodeAt(end);
      if (code === 32) break;
      hash = imul(hash ^ code, FNV_PRIME);
    }
    const candidates = index.firstWordHashes.get(hash >>> 0);
    if (candidates) {
      for (const word of candidates) {
        if (word.length !== end - start || !words.startsWith(word, start)) continue;
        for (const rule of index.wordRules.get(word)!) tryAt(rule, words, start === 0 ? 0 : start - 1);
      }
    }
    start = end + 1;
  }
  const { isFirstChar, charRules } = index;
  for (let at = 0; at < folded.length; at++) {
    const code = folded.charCodeAt(at);
    if (isFirstChar[code] === 1) for (const rule of charRules.get(code)!) tryAt(rule, folded, at);
  }
  if (readsFolded) for (const rule of index.textStartRules) tryAt(rule, folded, 0);
  for (const rule of index.scanned) {
    if ((only && !only.has(rule)) || !open(rule)) continue;
    ruleWork.tries++;
    if (rule.scan!(text[rule.view])) fired.add(rule);
  }
  for (const rule of index.unindexed) {
    if (only && !only.has(rule)) continue;
    const view = text[rule.view];
    if (rule.view === 'words') {
      for (let at = 0; at !== -1 && at < view.length; at = view.indexOf(' ', at + 1)) tryAt(rule, view, at);
    } else {
      for (let at = 0; at < view.length; at++) tryAt(rule, view, at);
    }
  }
  return fired;
}

// ── Reading where a pattern can start ──────────────────────────────────────────────────────────────────────

/**
 * The words a `words`-view pattern (`(?:^| )`, lookbehinds, then its leading part up to the first space outside
 * any group) can begin with.
 */
function firstWordsOf(pattern: string): Set<string> | null {
  const words = new Set<string>();
  for (const alternative of splitTopLevel(pattern)) {
    const own = firstWordsOfSequence(alternative);
    if (!own) return null;
    for (const word of own) words.add(word);
  }
  return words;
}

function firstWordsOfSequence(source: string): Set<string> | null {
  if (!source.startsWith(WORD_START)) return null;
  const start = skipLookbehinds(source, WORD_START.length);
  let end = start;
  // The leading part ends at a space, or before an element that repeats (`*`, `{m,n}`): its first word is settled.
  while (end < source.length && !(source[end] === ' ' && source[end + 1] !== '?')) {
    const atom = readAtom(source, end);
    if (!atom) return null;
    if (end > start && /^[*+{]/.test(source[atom.end] ?? '')) break;
    end = atom.end;
    if (source[end] === '?') end++;
  }
  if (end === start) return null;
  const expansions = expand(source.slice(start, end));
  if (!expansions) return null;
  const words = new Set<string>();
  for (const expansion of expansions) {
    const word = expansion.split(' ')[0]!;
    if (!word) return null;
    words.add(word);
  }
  return words;
}

/** The characters a `folded`-view pattern can begin with (TEXT_START for `^`). */
function firstCharsOf(source: string): Set<number> | null {
  const chars = new Set<number>();
  for (const alternative of splitTopLevel(source)) {
    const at = skipLookbehinds(alternative, 0);
    const first = leadingChars(alternative, at);
    if (!first) return null;
    for (const code of first) chars.add(code);
  }
  return chars;
}

/** First characters of the sequence starting at `at`, walking past optional elements. */
function leadingChars(source: string, at: number): Set<number> | null {
  const chars = new Set<number>();
  let position = at;
  while (position < source.length) {
    const atom = readAtom(source, position);
    if (!atom) return null;
    const text = source.slice(position, atom.end);
    let first: Set<number> | null;
    if (text.startsWith('(?:')) {
      first = new Set();
      for (const alternative of splitTopLevel(text.slice(3, -1))) {
        const inner = leadingChars(alternative, skipLookbehinds(alternative, 0));
        if (!inner) return null;
        for (const code of inner) first.add(code);
      }
    } else if (text.startsWith('[')) {
      first = classChars(text);
    } else {
      first = literalChar(text);
    }
    if (!first) return null;
    for (const code of first) chars.add(code);
    if (!isOptional(source, atom.end)) return chars;
    position = skipQuantifier(source, atom.end);
  }
  return null; // everything optional: could start anywhere
}

interface Atom {
  end: number;
}

/** One element: a group, a character class, an escape or a literal character. */
function readAtom(source: string, at: number): Atom | null {
  const char = source[at];
  if (char === undefined || char === '|' || char === ')') return null;
  if (char === '(') {
    if (!source.startsWith('(?:', at)) return null;
    return { end: closeParen(source, at) + 1 };
  }
  if (char === '[') {
    let end = at + 1;
    while (end < source.length && source[end] !== ']') end += source[end] === '\\' ? 2 : 1;
    return { end: end + 1 };
  }
  if (char === '\\') return { end: at + 2 };
  return { end: at + 1 };
}

function isOptional(source: string, at: number): boolean {
  const next = source[at];
  return next === '?' || next === '*' || (next === '{' && source.startsWith('{0', at));
}

function skipQuantifier(source: string, at: number): number {
  if (source[at] === '{') return source.indexOf('}', at) + 1 + (source[source.indexOf('}', at) + 1] === '?' ? 1 : 0);
  return at + 1 + (source[at + 1] === '?' ? 1 : 0);
}

function skipLookbehinds(source: string, at: number): number {
  let position = at;
  while (source.startsWith('(?<!', position) || source.startsWith('(?<=', position)) position = closeParen(source, position) + 1;
  return position;
}

function closeParen(source: string, open: number): number {
  let depth = 0;
  for (let at = open; at < source.length; at++) {
    const char = source[at];
    if (char === '\\') at++;
    else if (char === '[') {
      while (at < source.length && source[at] !== ']') at += source[at] === '\\' ? 2 : 1;
    } else if (char === '(') depth++;
    else if (char === ')' && --depth === 0) return at;
  }
  throw new Error(`unbalanced pattern: ${source}`);
}

/** Top-level alternatives of a pattern (or of a group's inside). */
function splitTopLevel(source: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let at = 0; at < source.length; at++) {
    const char = source[at];
    if (char === '\\') at++;
    else if (char === '[') {
      while (at < source.length && source[at] !== ']') at += source[at] === '\\' ? 2 : 1;
    } else if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === '|' && depth === 0) {
      parts.push(source.slice(start, at));
      start = at + 1;
    }
  }
  parts.push(source.slice(start));
  return parts;
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', '/': '/', '[': '[', ']': ']', '(': '(', ')': ')', '|': '|', '.': '.', '*': '*', '-': '-', '<': '<', '>': '>', '{': '{', '}': '}', '?': '?', '+': '+', '\\': '\\' };

function literalChar(text: string): Set<number> | null {
  if (text.startsWith('\\')) {
    const escaped = SIMPLE_ESCAPES[text[1]!];
    return escaped ? new Set([escaped.charCodeAt(0)]) : null;
  }
  if (text === '^') return new Set([TEXT_START]);
  if (text === '.' || text === '$') return null;
  return new Set([text.charCodeAt(0)]);
}

/** A small character class of literal characters (`["']`, `[.!?]`); ranges and negations are not read. */
function classChars(text: string): Set<number> | null {
  if (text.startsWith('[^')) return null;
  const chars = new Set<number>();
  for (let at = 1; at < text.length - 1; at++) {
    let char = text[at]!;
    if (char === '\\') {
      const escaped = SIMPLE_ESCAPES[text[++at]!];
      if (!escaped) return null;
      char = escaped;
    } else if (text[at + 1] === '-' && at + 2 < text.length - 1) return null;
    chars.add(char.charCodeAt(0));
  }
  return chars;
}

/** Every string a pattern of literals, non-capturing groups, alternations and `?` can match, or null. */
function expand(source: string): string[] | null {
  const alternatives = splitTopLevel(source);
  const out: string[] = [];
  for (const alternative of alternatives) {
    let partial = [''];
    let at = 0;
    while (at < alternative.length) {
      const atom = readAtom(alternative, at);
      if (!atom) return null;
      const text = alternative.slice(at, atom.end);
      let options: string[] | null;
      if (text.startsWith('(?:')) options = expand(text.slice(3, -1));
      else if (text.startsWith('[')) options = [...(classChars(text) ?? [])].map((code) => String.fromCharCode(code));
      else if (text.startsWith('\\') && !SIMPLE_ESCAPES[text[1]!]) return null;
      else options = [text.startsWith('\\') ? SIMPLE_ESCAPES[text[1]!]! : text];
      if (!options || options.length === 0) return null;
      let end = atom.end;
      if (alternative[end] === '?') {
        options = [...options, ''];
        end++;
      } else if (alternative[end] === '*' || alternative[end] === '+' || alternative[end] === '{') return null;
      partial = partial.flatMap((prefix) => options!.map((option) => prefix + option));
      if (partial.length > MAX_EXPANSIONS) return null;
      at = end;
    }
    out.push(...partial);
  }
  return out;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const { imul } = Math;

function hashOf(text: string, from: number, to: number): number {
  let hash = FNV_OFFSET;
  for (let at = from; at < to; at++) hash = imul(hash ^ text.charCodeAt(at), FNV_PRIME);
  return hash >>> 0;
}
