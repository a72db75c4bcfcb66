#!/usr/bin/env node
/**
 * Trains the injection classifier on the training sources of data/injection (see sources.json) and the gus
 * corpus (test/fixtures/prompt-injection-corpus.json), and writes config/injection-classifier.json.
 *
 *   npm run train:injection                 (build, then train and write the weights)
 *   npm run train:injection -- --cv         (leave one training source out at a time, report, write nothing)
 *
 * Held-out sources are never read here. Tuning uses --cv: each training source is scored by a model trained
 * on the others, which says how the classifier does on a collection it has not seen, without touching the
 * held-out part of the evaluation.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { InjectionClassifier } from '../../dist/src/moderation/domain/injection-classifier.js';
import { CLASSIFIER_ALONE, CLASSIFIER_FLOOR, classifierWeight, detectInjection, INJECTION_THRESHOLD } from '../../dist/src/moderation/domain/injection-detector.js';
import { toScreeningText } from '../../dist/src/moderation/domain/screening-text.js';

const BUCKETS = 1 << 18;
const EPOCHS = Number(process.env.EPOCHS ?? 12);
const LEARNING_RATE = Number(process.env.LEARNING_RATE ?? 0.2);
const L2 = Number(process.env.L2 ?? 1e-4);
/** What an intent feature (concepts of the multilingual lexicon, intent-features.ts) counts for beside an n-gram; 0: none. */
const INTENT_WEIGHT = Number(process.env.INTENT_WEIGHT ?? 16);
/** Weights are stored as 16-bit integers times this. */
const SCALE = 1 / 4096;
const OUTPUT = 'config/injection-classifier.json';

const cv = process.argv.includes('--cv');
/** --folds: five random folds (in-distribution), instead of one fold per source (a collection never seen). */
const randomFolds = process.argv.includes('--folds');
const manifest = JSON.parse(readFileSync('data/injection/sources.json', 'utf8'));
const trainingSources = Object.entries(manifest.sources).filter(([, source]) => source.split === 'train').map(([name]) => name);
for (const file of readdirSync('data/injection')) {
  const name = file.replace(/\.jsonl$/, '');
  if (file.endsWith('.jsonl') && !(name in manifest.sources)) throw new Error(`data/injection/${file} is not in sources.json`);
}

const examples = [];
for (const source of trainingSources) {
  for (const line of readFileSync(`data/injection/${source}.jsonl`, 'utf8').split('\n')) if (line) examples.push(JSON.parse(line));
}
for (const entry of JSON.parse(readFileSync('test/fixtures/prompt-injection-corpus.json', 'utf8')).items) examples.push({ ...entry, source: 'gus-corpus' });

const featurizer = new InjectionClassifier({ buckets: BUCKETS, bias: 0, weights: new Float32Array(BUCKETS), intentWeight: INTENT_WEIGHT });
const started = performance.now();
for (const example of examples) {
  const text = toScreeningText(example.text);
  example.y = example.label === 'attack' ? 1 : 0;
  example.features = featurizer.featuresOf(text.folded, text.words);
  // Long benign texts are also read in windows at inference; their windows are benign examples too.
  example.windows = example.y === 0 ? featurizer.windowFeaturesOf(text.folded, text.words) : [];
}
console.log(`${examples.length} examples from ${trainingSources.length + 1} sources featurised in ${Math.round(performance.now() - started)} ms`);

/**
 * Logistic regression by AdaGrad. Each source weighs in proportion to the square root of its size and the two
 * classes weigh the same in total, so that no single large collection decides what an attack looks like.
 */
function train(items) {
  const weights = new Float32Array(BUCKETS);
  const squares = new Float32Array(BUCKETS).fill(1e-8);
  let bias = 0;
  let biasSquares = 1e-8;
  const bySource = new Map();
  for (const item of items) bySource.set(`${item.source}|${item.y}`, (bySource.get(`${item.source}|${item.y}`) ?? 0) + 1);
  const rows = [];
  for (const item of items) {
    const perSource = 1 / Math.sqrt(bySource.get(`${item.source}|${item.y}`));
    rows.push({ features: item.features, y: item.y, weight: perSource });
    for (const window of item.windows) rows.push({ features: window, y: 0, weight: perSource / Math.max(1, item.windows.length) });
  }
  const classTotal = [0, 0];
  for (const row of rows) classTotal[row.y] += row.weight;
  for (const row of rows) row.weight *= rows.length / 2 / classTotal[row.y];

  const order = rows.map((_, index) => index);
  let seed = 42;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const index of order) {
      const { features, y, weight } = rows[index];
      let logit = bias;
      for (let k = 0; k < features.indices.length; k++) logit += weights[features.indices[k]] * features.values[k];
      const gradient = (1 / (1 + Math.exp(-logit)) - y) * weight;
      for (let k = 0; k < features.indices.length; k++) {
        const bucket = features.indices[k];
        const g = gradient * features.values[k] + L2 * weights[bucket];
        squares[bucket] += g * g;
        weights[bucket] -= (LEARNING_RATE * g) / Math.sqrt(squares[bucket]);
      }
      biasSquares += gradient * gradient;
      bias -= (LEARNING_RATE * gradient) / Math.sqrt(biasSquares);
    }
  }
  return { buckets: BUCKETS, bias, weights, intentWeight: INTENT_WEIGHT };
}

function probabilities(model, items) {
  const classifier = new InjectionClassifier(model);
  return items.map((item) => classifier.probability(toScreeningText(item.text)));
}

/**
 * The rules' score joined with the classifier's weight (independent kinds: 1 − (1 − a)(1 − b)), for a grid of
 * floor / alone settings, on the out-of-fold probabilities: recall on attacks, false positives on benign texts.
 */
function tuneCombination() {
  for (const item of examples) item.ruleScore = detectInjection(item.text).score;
  const attacks = examples.filter((item) => item.y === 1);
  const benign = examples.filter((item) => item.y === 0);
  const suspected = (item, floor, alone) => 1 - (1 - item.ruleScore) * (1 - classifierWeight(item.outOfFold, floor, alone)) >= INJECTION_THRESHOLD;
  // Per source, the detector as shipped (CLASSIFIER_FLOOR / CLASSIFIER_ALONE): what a collection never trained on gets.
  const shipped = (item) => suspected(item, CLASSIFIER_FLOOR, CLASSIFIER_ALONE);
  const perSource = new Map();
  for (const item of examples) {
    const entry = perSource.get(item.source) ?? { attacks: 0, caught: 0, benign: 0, alarms: 0 };
    if (item.y === 1) (entry.attacks++, shipped(item) && entry.caught++);
    else (entry.benign++, shipped(item) && entry.alarms++);
    perSource.set(item.source, entry);
  }
  const recalls = [];
  const alarms = [];
  for (const [source, entry] of perSource) {
    if (entry.attacks) recalls.push(entry.caught / entry.attacks);
    if (entry.benign && source !== 'tensor-trust') alarms.push(entry.alarms / entry.benign);
    console.log(`detector ${source.padEnd(26)} recall ${entry.attacks ? (entry.caught / entry.attacks).toFixed(3) : '  -  '}  false positives ${entry.benign ? (entry.alarms / entry.benign).toFixed(3) : '-'}`);
  }
  const mean = (values) => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
  console.log(`detector macro recall ${mean(recalls).toFixed(3)}, macro false positives ${mean(alarms).toFixed(4)} (without tensor-trust's defensive prompts, which no other source resembles)`);
  // The same macro figures for other operating points (where the classifier alone reaches the threshold).
  for (const alone of [0.7, 0.75, 0.8, 0.85, 0.9, 0.95]) {
    const r = [];
    const f = [];
    for (const source of perSource.keys()) {
      const items = examples.filter((item) => item.source === source);
      const attacksOf = items.filter((item) => item.y === 1);
      const benignOf = items.filter((item) => item.y === 0);
      if (attacksOf.length) r.push(attacksOf.filter((item) => suspected(item, CLASSIFIER_FLOOR, alone)).length / attacksOf.length);
      if (benignOf.length && source !== 'tensor-trust') f.push(benignOf.filter((item) => suspected(item, CLASSIFIER_FLOOR, alone)).length / benignOf.length);
    }
    console.log(`operating point alone=${alone}: macro recall ${mean(r).toFixed(3)}, macro false positives ${mean(f).toFixed(4)}, worst ${Math.max(...f).toFixed(3)}`);
  }
  const rulesOnly = [attacks.filter((i) => i.ruleScore >= INJECTION_THRESHOLD).length / attacks.length, benign.filter((i) => i.ruleScore >= INJECTION_THRESHOLD).length / benign.length];
  console.log(`rules alone: recall ${rulesOnly[0].toFixed(3)}, false positives ${rulesOnly[1].toFixed(4)}`);
  console.log('floor alone  recall  false-positives  worst-benign-source');
  for (const floor of [0.3, 0.4, 0.5, 0.6, 0.7]) {
    for (const alone of [0.7, 0.8, 0.85, 0.9, 0.95, 0.98]) {
      if (alone <= floor) continue;
      const recall = attacks.filter((item) => suspected(item, floor, alone)).length / attacks.length;
      const falsePositives = benign.filter((item) => suspected(item, floor, alone)).length / benign.length;
      const bySource = new Map();
      for (const item of benign) {
        const entry = bySource.get(item.source) ?? [0, 0];
        entry[0]++;
        if (suspected(item, floor, alone)) entry[1]++;
        bySource.set(item.source, entry);
      }
      const worst = [...bySource].map(([source, [n, fp]]) => [source, fp / n]).sort((a, b) => b[1] - a[1])[0];
      console.log(`${floor.toFixed(2)}  ${alone.toFixed(2)}   ${recall.toFixed(3)}   ${falsePositives.toFixed(4)}          ${worst[0]} ${worst[1].toFixed(3)}`);
    }
  }
}

if (cv && randomFolds) {
  examples.forEach((item, index) => (item.fold = index % 5));
  for (let fold = 0; fold < 5; fold++) {
    const model = train(examples.filter((item) => item.fold !== fold));
    const left = examples.filter((item) => item.fold === fold);
    probabilities(model, left).forEach((p, i) => (left[i].outOfFold = p));
  }
  tuneCombination();
} else if (cv) {
  const sources = [...new Set(examples.map((item) => item.source))];
  console.log('left-out source            attacks  recall@0.5  benign  false-positives@0.5');
  for (const source of sources) {
    // Synthetic indirect attacks are built from these sources' documents: leaving one out leaves those out too.
    const linked = source === 'self-instruct' || source === 'bipia' ? ['synthetic-indirect'] : [];
    const model = train(examples.filter((item) => item.source !== source && !linked.includes(item.source)));
    const left = examples.filter((item) => item.source === source);
    const p = probabilities(model, left);
    left.forEach((item, i) => (item.outOfFold = p[i]));
    const attacks = left.filter((item) => item.y === 1).length;
    const caught = left.filter((item, i) => item.y === 1 && p[i] >= 0.5).length;
    const benign = left.length - attacks;
    const alarms = left.filter((item, i) => item.y === 0 && p[i] >= 0.5).length;
    console.log(
      `${source.padEnd(26)} ${String(attacks).padStart(7)}  ${attacks ? (caught / attacks).toFixed(3) : '    -'}      ${String(benign).padStart(6)}  ${benign ? (alarms / benign).toFixed(3) : '-'}`,
    );
  }
  tuneCombination();
} else {
  const model = train(examples);
  const quantised = new Int16Array(BUCKETS);
  for (let i = 0; i < BUCKETS; i++) quantised[i] = Math.max(-32767, Math.min(32767, Math.round(model.weights[i] / SCALE)));
  const counts = {};
  for (const item of examples) counts[item.source] = (counts[item.source] ?? 0) + 1;
  const file = {
    format: INTENT_WEIGHT > 0 ? 'gus-injection-classifier/2' : 'gus-injection-classifier/1',
    buckets: BUCKETS,
    ...(INTENT_WEIGHT > 0 ? { intentWeight: INTENT_WEIGHT } : {}),
    bias: Number(model.bias.toFixed(6)),
    scale: SCALE,
    weights: Buffer.from(quantised.buffer).toString('base64'),
    trainedOn: counts,
    trainedBy: 'scripts/injection/train-classifier.mjs',
  };
  writeFileSync(OUTPUT, JSON.stringify(file) + '\n');
  const nonZero = quantised.reduce((sum, w) => sum + (w !== 0 ? 1 : 0), 0);
  console.log(`wrote ${OUTPUT}: ${BUCKETS} buckets (${nonZero} non-zero), bias ${file.bias}, ${examples.length} examples`);
}
