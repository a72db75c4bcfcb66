import { DataSet, RegExpMatcher, englishDataset, englishRecommendedTransformers } from 'obscenity';
import { toScreeningText, type ScreeningText } from './screening-text.js';

/** What an operator forbids (config/forbidden-terms.json, GUS_FORBIDDEN_TERMS_FILE). */
export interface ForbiddenTermsConfig {
  /** Words or phrases matched as whole words after normalisation (case, accents, lookalikes, invisibles). */
  terms: string[];
  /** Entries of the obscenity package's English dataset to enforce, by word; 'all' for every one. */
  obscenityWords: string[] | 'all';
}

export interface ForbiddenMatch {
  source: 'configured-term' | 'obscenity';
  /** The term as configured (or obscenity's word), never the user's text. */
  term: string;
}

interface ObscenityMetadata {
  originalWord: string;
}

/** Finds forbidden content in a text; built once at start from the configured terms and obscenity's dataset. */
export class ForbiddenContent {
  private readonly terms: RegExp | null;
  private readonly termByWords: Map<string, string>;
  private readonly dataset: DataSet<ObscenityMetadata> | null;
  private readonly matcher: RegExpMatcher | null;

  constructor(config: ForbiddenTermsConfig) {
    this.termByWords = new Map(config.terms.map((term) => [toScreeningText(term).words, term] as const).filter(([words]) => words.length > 0));
    this.terms = this.termByWords.size > 0 ? wholeWords([...this.termByWords.keys()]) : null;
    this.dataset = obscenityDataset(config.obscenityWords);
    this.matcher = this.dataset ? new RegExpMatcher({ ...this.dataset.build(), ...englishRecommendedTransformers }) : null;
  }

  find(text: ScreeningText): ForbiddenMatch | null {
    const term = this.terms?.exec(text.words);
    if (term) return { source: 'configured-term', term: this.termByWords.get(term[1]!) ?? term[1]! };
    const [match] = this.matcher?.getAllMatches(text.visible, true) ?? [];
    if (match && this.dataset) return { source: 'obscenity', term: this.dataset.getPayloadWithPhraseMetadata(match).phraseMetadata?.originalWord ?? 'a listed word' };
    return null;
  }
}

function wholeWords(phrases: string[]): RegExp {
  const alternatives = phrases.sort((a, b) => b.length - a.length).map((phrase) => phrase.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`(?:^| )(${alternatives.join('|')})(?= |$)`, 'u');
}

function obscenityDataset(words: string[] | 'all'): DataSet<ObscenityMetadata> | null {
  if (words !== 'all' && words.length === 0) return null;
  const known = new Set<string>();
  const dataset = new DataSet<ObscenityMetadata>().addAll(englishDataset);
  dataset.removePhrasesIf((phrase) => {
    const word = phrase.metadata?.originalWord ?? '';
    known.add(word);
    return words !== 'all' && !words.includes(word);
  });
  const unknown = words === 'all' ? [] : words.filter((word) => !known.has(word));
  if (unknown.length > 0) throw new Error(`obscenity's English dataset has no entry for ${unknown.map((word) => JSON.stringify(word)).join(', ')}`);
  return dataset;
}

/** "kike" → "k**e": enough to say which term, without repeating it. */
export function maskTerm(term: string): string {
  const chars = [...term];
  if (chars.length <= 2) return '*'.repeat(chars.length);
  return chars.map((char, i) => (i === 0 || i === chars.length - 1 || char === ' ' ? char : '*')).join('');
}
