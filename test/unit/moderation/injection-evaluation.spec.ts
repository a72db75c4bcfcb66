import { readFileSync } from 'node:fs';
import { detectInjection } from '../../../src/moderation/domain/injection-detector.js';
import { readInjectionClassifier } from '../../../src/moderation/repository/injection-classifier.file.js';

/**
 * The detector (rules + shipped classifier) on data/injection, split by source (docs/INJECTION-DEFENCE.md):
 * in-sample = the sources the classifier was trained and tuned on, plus the gus corpus; held-out = sources never
 * used for training or tuning. Floors are stated here and in the docs; the held-out ones are what matters.
 */
/**
 * Regression floors, set just under what the detector scores today. The product's target for the held-out part
 * is recall ≥ 0.85 at precision ≥ 0.95; today it is far from it on these sources (docs/INJECTION-DEFENCE.md says
 * where and why), so that target is written down here and not asserted.
 */
const FLOORS = {
  inSample: { precision: 0.97, recall: 0.93 },
  heldOut: { precision: 0.95, recall: 0.14 },
  /** Benign look-alikes (security requests and prose about attacks), held-out: at most this share flagged. */
  heldOutLookalikeFalsePositives: 0.02,
};
const HELD_OUT_TARGET = { precision: 0.95, recall: 0.85 };

interface Item {
  text: string;
  label: 'attack' | 'benign';
  category: string;
  source: string;
}

const manifest = JSON.parse(readFileSync('data/injection/sources.json', 'utf8')) as { sources: Record<string, { split: 'train' | 'held-out' }> };
const readSource = (name: string): Item[] =>
  readFileSync(`data/injection/${name}.jsonl`, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Item);
const corpus = (JSON.parse(readFileSync('test/fixtures/prompt-injection-corpus.json', 'utf8')) as { items: Item[] }).items.map((item) => ({ ...item, source: 'gus-corpus' }));
const split = (which: 'train' | 'held-out') =>
  Object.entries(manifest.sources)
    .filter(([, source]) => source.split === which)
    .flatMap(([name]) => readSource(name));

const classifier = readInjectionClassifier('config/injection-classifier.json');

interface Scores {
  precision: number;
  recall: number;
  f1: number;
  lookalikeFalsePositives: number;
  report: string;
}

function evaluate(items: Item[], isLookalike: (item: Item) => boolean): Scores {
  const byCategory = new Map<string, { label: string; total: number; flagged: number }>();
  let truePositives = 0;
  let falsePositives = 0;
  let attacks = 0;
  let lookalikes = 0;
  let lookalikesFlagged = 0;
  for (const item of items) {
    const flagged = detectInjection(item.text, classifier).suspected;
    const key = `${item.source}/${item.label}/${item.category}`;
    const entry = byCategory.get(key) ?? { label: item.label, total: 0, flagged: 0 };
    entry.total++;
    if (flagged) entry.flagged++;
    byCategory.set(key, entry);
    if (item.label === 'attack') {
      attacks++;
      if (flagged) truePositives++;
    } else {
      if (flagged) falsePositives++;
      if (isLookalike(item)) {
        lookalikes++;
        if (flagged) lookalikesFlagged++;
      }
    }
  }
  const precision = truePositives / Math.max(1, truePositives + falsePositives);
  const recall = truePositives / Math.max(1, attacks);
  const f1 = (2 * precision * recall) / Math.max(1e-9, precision + recall);
  // Per attack category: recall, and precision / F1 as if the attacks were all of that kind (against every benign text of the part).
  const lines = [...byCategory]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, { label, total, flagged }]) => {
      if (label !== 'attack') return `  ${key.padEnd(66)} flagged ${(flagged / total).toFixed(3)} (${flagged}/${total})`;
      const categoryPrecision = flagged / Math.max(1, flagged + falsePositives);
      const categoryRecall = flagged / total;
      const categoryF1 = (2 * categoryPrecision * categoryRecall) / Math.max(1e-9, categoryPrecision + categoryRecall);
      return `  ${key.padEnd(66)} recall ${categoryRecall.toFixed(3)} (${flagged}/${total}), P ${categoryPrecision.toFixed(3)}, F1 ${categoryF1.toFixed(3)}`;
    });
  const lookalikeFalsePositives = lookalikesFlagged / Math.max(1, lookalikes);
  const report =
    `precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}, F1 ${f1.toFixed(3)} (${attacks} attacks, ${items.length - attacks} benign); ` +
    `look-alikes flagged ${lookalikeFalsePositives.toFixed(3)} (${lookalikesFlagged}/${lookalikes})\n${lines.join('\n')}`;
  return { precision, recall, f1, lookalikeFalsePositives, report };
}

describe('prompt-injection detector, evaluated by source', () => {
  it(`held-out sources: precision ≥ ${FLOORS.heldOut.precision}, recall ≥ ${FLOORS.heldOut.recall}, look-alikes flagged ≤ ${FLOORS.heldOutLookalikeFalsePositives}`, () => {
    const scores = evaluate(split('held-out'), (item) => item.category.startsWith('lookalike-'));
    const meets = scores.precision >= HELD_OUT_TARGET.precision && scores.recall >= HELD_OUT_TARGET.recall;
    console.log(`held-out by source (target P ≥ ${HELD_OUT_TARGET.precision}, R ≥ ${HELD_OUT_TARGET.recall}: ${meets ? 'met' : 'NOT met'}): ${scores.report}`);
    expect(scores.precision).toBeGreaterThanOrEqual(FLOORS.heldOut.precision);
    expect(scores.recall).toBeGreaterThanOrEqual(FLOORS.heldOut.recall);
    expect(scores.lookalikeFalsePositives).toBeLessThanOrEqual(FLOORS.heldOutLookalikeFalsePositives);
  });

  it(`in-sample sources: precision ≥ ${FLOORS.inSample.precision}, recall ≥ ${FLOORS.inSample.recall}`, () => {
    const inSample = [...split('train'), ...corpus];
    const lookalikeCategories = new Set(['security-discussion', 'defensive-system-prompt', 'role-play', 'code-with-template-tokens', 'lookalike', 'security-discussion', 'templates-and-prompts', 'system-prompt', 'role-like']);
    const scores = evaluate(inSample, (item) => lookalikeCategories.has(item.category));
    console.log(`in-sample: ${scores.report}`);
    expect(scores.precision).toBeGreaterThanOrEqual(FLOORS.inSample.precision);
    expect(scores.recall).toBeGreaterThanOrEqual(FLOORS.inSample.recall);
  });
});
