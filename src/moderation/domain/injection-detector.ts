import { decodePayloads, newDecodingBudget, type DecodingBudget, type PayloadEncoding } from './encoded-payloads.js';
import type { InjectionClassifier } from './injection-classifier.js';
import { DISCUSSION_CUE, PHRASE_RULES, TEMPLATE_TOKEN, type InjectionRule, type InjectionSignalKind } from './injection-rules.js';
import { buildRuleIndex, firedRules } from './rule-scanner.js';
import { hasQuotedParts, toScreeningText, withoutQuotedParts, type ScreeningText } from './screening-text.js';

/** One rule that fired. */
export interface InjectionSignal {
  kind: InjectionSignalKind;
  /** The rule's id, e.g. `en-ignore-previous-instructions`, `template-tokens`. */
  rule: string;
  /** Its contribution, after any discount for quoted or defensive text. */
  weight: number;
  /** Set when the rule fired on decoded text: the encoding it was hidden in. */
  via?: PayloadEncoding | 'tag-characters';
}

export interface InjectionDetection {
  /** 0 (nothing suspicious) … 1; the signals' weights combined as independent evidence. */
  score: number;
  /** score ≥ INJECTION_THRESHOLD. */
  suspected: boolean;
  signals: InjectionSignal[];
}

export const INJECTION_THRESHOLD = 0.5;

/**
 * How the classifier's probability becomes a signal. Below CLASSIFIER_FLOOR it says nothing (most ordinary
 * messages score there, and a weak hint must not add up with a weak rule); at CLASSIFIER_ALONE it is enough on
 * its own (weight = the threshold); above, its weight rises to CLASSIFIER_MAX_WEIGHT. Chosen by cross-validation on
 * the training sources (`npm run train:injection -- --cv --folds`, docs/INJECTION-DEFENCE.md), never on held-out data.
 */
export const CLASSIFIER_FLOOR = 0.5;
export const CLASSIFIER_ALONE = 0.9;
const CLASSIFIER_MAX_WEIGHT = 0.95;
const CLASSIFIER_RULE = 'linear-classifier';
/**
 * A text of fewer words than this gives the classifier too little to go on ("Hello" starts many jailbreaks): its
 * signal is capped below the threshold there, so it can only add to a rule's.
 */
const CLASSIFIER_MIN_WORDS = 4;
const SHORT_TEXT_MAX_WEIGHT = 0.3;

/** Payloads inside payloads are decoded this deep (base64 of base64…), no deeper. */
const MAX_DECODING_DEPTH = 2;
/** A rule that only fires inside code (backticks) and reads a template token or role marker: shown, not used. */
const CODE_MENTION_FACTOR = 0.4;
/** A phrase that only appears quoted, in a text that talks about prompts or attacks: discussed, not used. */
const DISCUSSION_FACTOR = 0.6;
/** A system prompt that tells the model to refuse such requests names them without making them. */
const DEFENSIVE_FACTOR = 0.25;
/** The most any phrase can be discounted: a quoted phrase in a text about attacks that is also defensive (0.6 × 0.25). */
const SMALLEST_DISCOUNT = DISCUSSION_FACTOR * DEFENSIVE_FACTOR;
const TEMPLATE_TOKEN_WEIGHTS = [0, 0.45, 0.7, 0.85];
const HIDDEN_TEXT_WEIGHT = 0.5;
const TEMPLATE_TOKENS_RULE = 'template-tokens';
const MIN_HIDDEN_LETTERS = 6;

/**
 * A system prompt that says what to do when a user tries something: "if a user asks …, refuse". Read as the
 * first such opening, then any of the defensive verbs after it (two linear searches, no span to backtrack over).
 */
const DEFENSIVE_OPENING =
  /(?:^| )(?:if|when|whenever|should|in case) (?:a |the |any |some )?(?:user|users|someone|anyone|people|they|somebody|customers?|persons?|visitors?|messages?|inputs?|requests?|texts?|documents?|content) (?:\S+ ){0,2}?(?:asks?|tells?|tries|try|wants?|requests?|attempts?|says?|instructs?|contains?|includes?)/u;
const DEFENSIVE_RESPONSE =
  /refuse|decline|politely|do not comply|don t comply|never comply|must not comply|do not follow|don t follow|do not obey|report|treat (?:it|them|this|that) as|respond (?:only )?with|say that you cannot|explain that you cannot|ignore (?:it|them|such|that|the request)/u;

function isDefensive(words: string): boolean {
  const opening = DEFENSIVE_OPENING.exec(words);
  return opening !== null && DEFENSIVE_RESPONSE.test(words.slice(opening.index + opening[0].length));
}

/**
 * Scores how much `input` looks like an attempt to take over the model; fast enough to run on every message.
 * The rules always run; the learned classifier joins them when one is given (the service binds the shipped one).
 */
export function detectInjection(input: string | ScreeningText, classifier?: InjectionClassifier): InjectionDetection {
  const text = typeof input === 'string' ? toScreeningText(input) : input;
  const learned = classifier ? classifierSignal(classifier.probability(text), hasFewWords(text.words)) : null;
  const signals = ruleSignals(text, 0, newDecodingBudget(), learned ? [learned] : []);
  if (learned) signals.push(learned);
  return toDetection(signals);
}

/**
 * The rules' signals. Mentions (a phrase only in code or quotations, a system prompt that names attacks to refuse
 * them) are discounted only when the text would be suspected otherwise and the discount could change that: a
 * discount can only lower the score, so it changes nothing below the threshold, nor above it when the text stays
 * suspected with every phrase discounted as far as it can be; it costs one or two more readings of the text.
 */
function ruleSignals(text: ScreeningText, depth: number, budget: DecodingBudget, alongside: InjectionSignal[] = []): InjectionSignal[] {
  const phrases = readSignals(text);
  const others = [...hiddenTextSignals(text, depth, budget), ...payloadSignals(text, depth, budget)];
  if (phrases.length === 0 || !toDetection([...phrases, ...others, ...alongside]).suspected) return [...phrases, ...others];
  // Nor when the text stays suspected with every phrase discounted as far as it can be: the verdict cannot change.
  if (toDetection([...phrases.map((signal) => scaled(signal, SMALLEST_DISCOUNT)), ...others, ...alongside]).suspected) return [...phrases, ...others];
  return [...discountMentions(text, phrases), ...others];
}

/** The classifier's probability as evidence: nothing below the floor, the threshold at CLASSIFIER_ALONE. */
function classifierSignal(probability: number, short: boolean): InjectionSignal | null {
  const weight = round(short ? Math.min(SHORT_TEXT_MAX_WEIGHT, classifierWeight(probability)) : classifierWeight(probability));
  return weight > 0 ? { kind: 'classifier', rule: CLASSIFIER_RULE, weight } : null;
}

/** Fewer than CLASSIFIER_MIN_WORDS words; in scripts written without spaces (CJK, Thai) each character counts as one. */
function hasFewWords(words: string): boolean {
  let count = 0;
  let inWord = false;
  for (let at = 0; at < words.length && count < CLASSIFIER_MIN_WORDS; at++) {
    const code = words.charCodeAt(at);
    if (code === 32) inWord = false;
    else if ((code >= 0x0e00 && code <= 0x0e7f) || code >= 0x2e80) count++;
    else if (!inWord) {
      inWord = true;
      count++;
    }
  }
  return count < CLASSIFIER_MIN_WORDS;
}

/** Piecewise linear: 0 up to `floor`, the threshold at `alone`, CLASSIFIER_MAX_WEIGHT at 1 (exported for tuning). */
export function classifierWeight(probability: number, floor = CLASSIFIER_FLOOR, alone = CLASSIFIER_ALONE): number {
  if (!(probability > floor)) return 0;
  if (probability < alone) return (INJECTION_THRESHOLD * (probability - floor)) / (alone - floor);
  return INJECTION_THRESHOLD + ((CLASSIFIER_MAX_WEIGHT - INJECTION_THRESHOLD) * (probability - alone)) / (1 - alone);
}

const RULE_INDEX = buildRuleIndex(PHRASE_RULES);

/** The rules that fire on the text (only those in `only`, when given: re-reading a part of it for fewer rules). */
function readSignals(text: ScreeningText, only?: ReadonlySet<string>): InjectionSignal[] {
  const signals: InjectionSignal[] = [];
  const fired = firedRules(text, RULE_INDEX, only && new Set(PHRASE_RULES.filter((rule) => only.has(rule.id))));
  for (const rule of PHRASE_RULES) if (fired.has(rule)) signals.push(signalOf(rule));
  const tokens = only && !only.has(TEMPLATE_TOKENS_RULE) ? 0 : countTemplateTokens(text.folded);
  if (tokens > 0) signals.push({ kind: 'template-token', rule: TEMPLATE_TOKENS_RULE, weight: TEMPLATE_TOKEN_WEIGHTS[Math.min(tokens, 3)]! });
  return signals;
}

function signalOf(rule: InjectionRule): InjectionSignal {
  return { kind: rule.kind, rule: rule.id, weight: rule.weight };
}

/** Distinct chat-template control tokens in the text. */
function countTemplateTokens(folded: string): number {
  if (!folded.includes('<') && !folded.includes('[')) return 0;
  const distinct = new Set<string>();
  for (const match of folded.matchAll(TEMPLATE_TOKEN)) distinct.add(match[0].replace(/\s+/g, ''));
  return distinct.size;
}

/**
 * Lowers signals that come only from code or quotations (a question about the `[INST]` tag, an article quoting
 * "ignore previous instructions"), and from a system prompt that describes attacks in order to refuse them.
 */
function discountMentions(text: ScreeningText, signals: InjectionSignal[]): InjectionSignal[] {
  let result = signals;
  if (hasQuotedParts(text)) {
    // Rules that still fire with code and quotations taken out are used, not mentioned; only for the others is the
    // text read again with code alone taken out (each reading tries just the rules in question).
    const fired = new Set(signals.map((signal) => signal.rule));
    const outsideQuotes = ruleIds(withoutQuotedParts(text), fired);
    const inQuotes = new Set([...fired].filter((rule) => !outsideQuotes.has(rule)));
    // Without backticks there is no code to take out: the rules in quotations fire with the quotations kept.
    const outsideCode = inQuotes.size === 0 ? new Set<string>() : text.folded.includes('`') ? ruleIds(withoutQuotedParts(text, true), inQuotes) : new Set(inQuotes);
    for (const rule of outsideQuotes) outsideCode.add(rule);
    const discussed = DISCUSSION_CUE.test(text.words);
    result = result.map((signal) => {
      const structural = signal.kind === 'template-token' || signal.kind === 'role-spoofing';
      if (!outsideCode.has(signal.rule)) return scaled(signal, structural ? CODE_MENTION_FACTOR : discussed ? DISCUSSION_FACTOR : 1);
      if (!outsideQuotes.has(signal.rule) && discussed) return scaled(signal, DISCUSSION_FACTOR);
      return signal;
    });
  }
  // A question about template tokens names them; only a role turn built from them is an attack.
  if (DISCUSSION_CUE.test(text.words)) result = result.map((signal) => (signal.rule === TEMPLATE_TOKENS_RULE ? scaled(signal, DISCUSSION_FACTOR) : signal));
  if (isDefensive(text.words)) {
    result = result.map((signal) => (signal.kind === 'instruction-override' || signal.kind === 'prompt-extraction' ? scaled(signal, DEFENSIVE_FACTOR) : signal));
  }
  return result;
}

function ruleIds(text: ScreeningText, only: ReadonlySet<string>): Set<string> {
  return new Set(readSignals(text, only).map((signal) => signal.rule));
}

function scaled(signal: InjectionSignal, factor: number): InjectionSignal {
  return factor === 1 ? signal : { ...signal, weight: round(signal.weight * factor) };
}

/** Text written in invisible tag characters is read by models but never seen by people: an attack by design. */
function hiddenTextSignals(text: ScreeningText, depth: number, budget: DecodingBudget): InjectionSignal[] {
  if ((text.hidden.match(/\p{L}/gu)?.length ?? 0) < MIN_HIDDEN_LETTERS) return [];
  const inner = toDetection(ruleSignals(toScreeningText(text.hidden), depth + 1, budget));
  return [
    { kind: 'hidden-text', rule: 'tag-characters', weight: HIDDEN_TEXT_WEIGHT },
    ...inner.signals.map((signal) => ({ ...signal, via: signal.via ?? ('tag-characters' as const) })),
  ];
}

/** Decodes base64 / hex / ROT13 … blobs and scores what they say; a hidden injection weighs a little more than a plain one. */
function payloadSignals(text: ScreeningText, depth: number, budget: DecodingBudget): InjectionSignal[] {
  if (depth >= MAX_DECODING_DEPTH) return [];
  const signals: InjectionSignal[] = [];
  for (const payload of decodePayloads(text, budget)) {
    const inner = toDetection(ruleSignals(toScreeningText(payload.text), depth + 1, budget));
    if (inner.score === 0) continue;
    const strongest = inner.signals.reduce((best, signal) => (signal.weight > best.weight ? signal : best));
    signals.push({ kind: 'encoded-payload', rule: strongest.rule, weight: round(Math.min(0.95, inner.score + 0.1)), via: payload.encoding });
  }
  return signals;
}

/** The detection with one more signal (a guard model's verdict), scored again. */
export function withSignal(detection: InjectionDetection, signal: InjectionSignal): InjectionDetection {
  return toDetection([...detection.signals, signal]);
}

/**
 * Combines signals, counting each rule once at its highest weight. Kinds are independent evidence
 * (1 − Π(1 − k)); rules of one kind often read the same words, so beyond the strongest each counts half.
 */
function toDetection(signals: InjectionSignal[]): InjectionDetection {
  const strongest = new Map<string, InjectionSignal>();
  for (const signal of signals) {
    const key = `${signal.rule}|${signal.via ?? ''}`;
    if ((strongest.get(key)?.weight ?? -1) < signal.weight) strongest.set(key, signal);
  }
  const kept = [...strongest.values()].sort((a, b) => b.weight - a.weight);
  const missByKind = new Map<InjectionSignalKind, number>();
  for (const signal of kept) {
    const miss = missByKind.get(signal.kind);
    missByKind.set(signal.kind, miss === undefined ? 1 - signal.weight : miss * (1 - signal.weight / 2));
  }
  const score = round(1 - [...missByKind.values()].reduce((rest, miss) => rest * miss, 1));
  return { score, suspected: score >= INJECTION_THRESHOLD, signals: kept };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
