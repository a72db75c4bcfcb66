import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { countLlama3Tokens } from '../service/llama3-token-counter.js';

/**
 * A fake model server speaking the real HTTP APIs (the subsets gus uses), for tests and
 * benchmarks: Ollama's (/api/chat, /api/show, /api/tags, /api/version) and the OpenAI-compatible
 * one of vLLM, llama.cpp server and OpenAI (/v1/chat/completions, /v1/models). Both share one
 * reply generator, the same options and the same [[sim:…]] directives. Replies are deterministic
 * so tests can assert on them, and the hot path (no latency configured) answers synchronously
 * without timers.
 */

export interface SimulatedModel {
  name: string;
  contextLength: number;
  family?: string;
  parameterSize?: string;
  /**
   * A guard model: it answers every chat with a verdict on the last user message — `llama-guard`: "safe", or
   * "unsafe\nS14"; `prompt-guard`: "BENIGN 0.99" or "INJECTION 0.99". Unsafe when the message has the directive
   * [[sim:unsafe]] or a known attack phrase (SIMULATED_ATTACK); latency directives apply as to any model.
   */
  guard?: 'llama-guard' | 'prompt-guard';
}

/** What the simulated guard models call an attack: a directive, or a few phrases every attack list has. */
export const SIMULATED_ATTACK = /\[\[sim:unsafe\]\]|ignore (?:all |any |the )?(?:previous|prior|above) instructions|system prompt|jailbreak|do anything now/i;

function guardAnswer(kind: 'llama-guard' | 'prompt-guard', text: string): string {
  const unsafe = SIMULATED_ATTACK.test(text);
  if (kind === 'llama-guard') return unsafe ? 'unsafe\nS14' : 'safe';
  return unsafe ? 'INJECTION 0.99' : 'BENIGN 0.99';
}

export type SimulatedFailure =
  | { mode: 'error'; status: number }
  | { mode: 'hang' }
  | { mode: 'cut'; afterTokens: number };

export interface SimulatorOptions {
  models?: SimulatedModel[];
  /** Delay before the first chunk (default 0). */
  firstTokenLatencyMs?: number;
  /** Chunk rate after the first one; 0 (default) means no delay between chunks. */
  tokensPerSecond?: number;
  /** Number of content chunks (= tokens) in a reply (default 12). */
  replyTokens?: number;
  /** Applied to every chat request (either API) while set. */
  failure?: SimulatedFailure;
  /** When set, /v1/* requests must carry `Authorization: Bearer <apiKey>` (else 401, as OpenAI answers). */
  apiKey?: string;
}

export interface ChatMessage {
  role: string;
  content?: string;
  [key: string]: unknown;
}

/** A /api/chat or /v1/chat/completions body exactly as received (after JSON parsing). */
export interface ChatRequestRecord {
  model: string;
  messages?: ChatMessage[];
  stream?: boolean;
  format?: string | Record<string, unknown>;
  options?: Record<string, unknown>;
  keep_alive?: string | number;
  [key: string]: unknown;
}

export const DEFAULT_SIMULATED_MODELS: readonly SimulatedModel[] = Object.freeze([
  { name: 'llama3.2:1b', contextLength: 131072, family: 'llama', parameterSize: '1.2B' },
  { name: 'llama3.1:8b', contextLength: 131072, family: 'llama', parameterSize: '8.0B' },
  { name: 'llama3.3:70b', contextLength: 131072, family: 'llama', parameterSize: '70.6B' },
  { name: 'llama-guard3:1b', contextLength: 131072, family: 'llama', parameterSize: '1.5B', guard: 'llama-guard' },
  { name: 'prompt-guard:86m', contextLength: 512, family: 'deberta', parameterSize: '86M', guard: 'prompt-guard' },
]);

const OLLAMA_VERSION = '0.12.0';
/** Reported load time: the model is always "already loaded". */
const LOAD_MS = 0.05;
const MAX_RECORDED = 100;
const wallClock = (): number => performance.timeOrigin + performance.now();
const MAX_BODY_BYTES = 32 * 1024 * 1024;
const MODIFIED_AT = '2025-01-01T00:00:00.000000000Z';
const DIRECTIVE_MARK = '[[sim:';
const DIRECTIVE_RE = /\[\[sim:([a-z]+)(?:=([^\]]*))?\]\]/g;

const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8' } as const;
const NDJSON_HEADERS = { 'Content-Type': 'application/x-ndjson' } as const;
const SSE_HEADERS = { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' } as const;
/** `created` of the models in /v1/models (Unix seconds). */
const MODELS_CREATED = Math.floor(Date.parse(MODIFIED_AT) / 1000);
const SYSTEM_FINGERPRINT = 'fp_simulator';
const TEXT_HEADERS = { 'Content-Type': 'text/plain; charset=utf-8' } as const;

const NOT_FOUND_BODY = JSON.stringify({ error: 'not found' });
const SIMULATED_FAILURE_BODY = JSON.stringify({ error: 'simulated failure' });
const VERSION_BODY = JSON.stringify({ version: OLLAMA_VERSION });

// Ordinary words so replies look like text and never need JSON escaping.
const VOCABULARY: readonly string[] = (
  'the a of and to in is it that was for on are with as be at by this have from or one had ' +
  'not but what all were when we there can an your which their said if do will each about how ' +
  'up out them then she many some so these would other into has more her two like him see time ' +
  'could no make than first been its who now people my made over did down only way find use may ' +
  'water long little very after words called just where most know get through back much before ' +
  'go good new write our used me man too any day same right look think also around another came ' +
  'come work three word must because does part even place well such here take why things help ' +
  'put years different away again off went old number great tell men say small every found still ' +
  'between name should home big give air line set own under read last never us left end along ' +
  'while might next sound below saw something thought both few those always looked show large ' +
  'often together asked house world going want school important until form food keep children ' +
  'feet land side without boy once animals life enough took sometimes four head above kind began ' +
  'almost live page got earth need far hand high year mother light parts country father let night ' +
  'following picture being study second eyes soon times story boys since white days ever paper ' +
  'hard near sentence better best across during today others sure means knew its try told young ' +
  'miles sun ways thing whole hear example heard several change answer room sea against top turned'
).split(' ');

type Directives = {
  failure?: SimulatedFailure;
  echo: boolean;
  /** [[sim:recite]]: answer with the system message's text after its first line, word by word (a model leaking its prompt). */
  recite: boolean;
  tokens?: number;
  latencyMs?: number;
  /** [[sim:tps=N]]: this reply's chunk rate, overriding tokensPerSecond. */
  tokensPerSecond?: number;
  flaky?: number;
};

type ModelEntry = { model: SimulatedModel; showBody: string };

type Api = 'ollama' | 'openai';

/** A chat request of either API, reduced to what the reply generator needs. */
interface ChatCall {
  api: Api;
  model: string;
  messages: ChatMessage[];
  stream: boolean;
  /** Ollama's `format` ("json" or a JSON schema), or what OpenAI's `response_format` amounts to. */
  format: unknown;
  /** num_predict / max_tokens / max_completion_tokens. */
  maxTokens: number | undefined;
  /** Ollama's options.num_ctx: prompts longer than it are truncated. */
  numCtx: number | undefined;
  /** OpenAI's stream_options.include_usage. */
  includeUsage: boolean;
  /** What [[sim:echo]] answers with. */
  echo: () => string;
}

interface Generation {
  res: ServerResponse;
  api: Api;
  stream: boolean;
  modelJson: string;
  /** OpenAI: the completion id and creation time shared by every chunk. */
  id: string;
  created: number;
  includeUsage: boolean;
  chunks: string[];
  /** Destroy the socket after this many chunks (simulated crash). */
  cutAfter: number | undefined;
  doneReason: 'stop' | 'length';
  promptEvalCount: number;
  interTokenMs: number;
  startedAt: number;
  firstTokenAt: number;
  sent: number;
  timer: NodeJS.Timeout | undefined;
  finished: boolean;
  /** Set when we close the socket ourselves, so it is not counted as a client abort. */
  selfClosed: boolean;
  /** Wall-clock time (epoch ms, sub-millisecond) each chunk was handed to the socket, for streaming benchmarks. */
  writtenAt: number[];
}

/** When one streamed reply's chunks were written (GET /_simulator/token-times). */
export interface TokenTimes {
  id: string;
  /** Epoch milliseconds with sub-millisecond precision, one per content chunk written. */
  writtenAt: number[];
}

/** Non-negative integer or undefined. */
function toCount(value: unknown): number | undefined {
  const n = typeof value === 'string' ? (value.trim() === '' ? NaN : Number(value)) : value;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? Math.floor(n) : undefined;
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: tiny, fast, good enough for picking words. */
function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pickWords(rng: () => number, count: number): string[] {
  const words = new Array<string>(count);
  for (let i = 0; i < count; i++) words[i] = VOCABULARY[Math.floor(rng() * VOCABULARY.length)];
  return words;
}

/** The system messages' words after their first line (gus opens its system turn with a canary line). */
function recited(messages: ChatMessage[]): string[] {
  const system = messages.filter((m) => m.role === 'system').map((m) => (typeof m.content === 'string' ? m.content : '')).join('\n');
  return system.slice(system.indexOf('\n') + 1).split(/\s+/).filter(Boolean);
}

function textChunks(words: string[]): string[] {
  return words.map((w, i) => (i === 0 ? w : ` ${w}`));
}

/** Fill a JSON schema's properties when there are any, otherwise `{"answer": ...}`. */
function jsonValue(format: unknown, sentence: string, rng: () => number): Record<string, unknown> {
  const properties = isRecord(format) && isRecord(format.properties) ? format.properties : undefined;
  if (!properties) return { answer: sentence };
  const value: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(properties)) {
    const type = isRecord(schema) ? schema.type : undefined;
    if (type === 'number' || type === 'integer') value[key] = Math.floor(rng() * 100);
    else if (type === 'boolean') value[key] = rng() < 0.5;
    else if (type === 'array') value[key] = [];
    else if (type === 'object') value[key] = {};
    else value[key] = sentence;
  }
  return value;
}

/** Split text into `count` pieces of near-equal length (JSON replies have no word boundaries). */
function splitEvenly(text: string, count: number): string[] {
  const n = Math.max(1, Math.min(count, text.length));
  const pieces: string[] = [];
  for (let i = 0; i < n; i++) {
    pieces.push(text.slice(Math.floor((i * text.length) / n), Math.floor(((i + 1) * text.length) / n)));
  }
  return pieces;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isJsonFormat(format: unknown): boolean {
  return format === 'json' || isRecord(format);
}

/**
 * The prompt's tokens as Ollama counts them for a LLaMA 3 model: its chat template is <|begin_of_text|>, then
 * per message <|start_header_id|>role<|end_header_id|>\n\n content <|eot_id|> (content + 5), then the
 * assistant's header (4). Exact, so that what gus reserves for a prompt is what the server reports.
 */
function promptTokens(messages: ChatMessage[]): number {
  let total = 1 + 4;
  for (const m of messages) total += (typeof m.content === 'string' ? countLlama3Tokens(m.content) : 0) + 5;
  return total;
}

function lastUserContent(messages: ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.role === 'user') return typeof m.content === 'string' ? m.content : '';
  }
  return '';
}

function parseDirectives(content: string): Directives {
  const directives: Directives = { echo: false, recite: false };
  if (!content.includes(DIRECTIVE_MARK)) return directives;
  for (const [, name, raw] of content.matchAll(DIRECTIVE_RE)) {
    const value = toCount(raw);
    if (name === 'error' && value !== undefined && value >= 100 && value <= 599) {
      directives.failure = { mode: 'error', status: value };
    } else if (name === 'hang') directives.failure = { mode: 'hang' };
    else if (name === 'cut' && value !== undefined) directives.failure = { mode: 'cut', afterTokens: value };
    else if (name === 'echo') directives.echo = true;
    else if (name === 'recite') directives.recite = true;
    else if (name === 'tokens' && value !== undefined) directives.tokens = value;
    else if (name === 'latency' && value !== undefined) directives.latencyMs = value;
    else if (name === 'tps' && value !== undefined) directives.tokensPerSecond = value;
    else if (name === 'flaky' && value !== undefined) directives.flaky = value;
  }
  return directives;
}

function validateMessages(messages: unknown): ChatMessage[] | string {
  if (messages === undefined) return [];
  if (!Array.isArray(messages)) return 'messages must be an array';
  for (const m of messages) {
    if (!isRecord(m) || typeof m.role !== 'string') return 'each message needs a string role';
    if (m.content !== undefined && typeof m.content !== 'string') return 'message content must be a string';
  }
  return messages as ChatMessage[];
}

function sendJson(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { ...JSON_HEADERS, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, JSON.stringify({ error: message }));
}

function openAiErrorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 429) return 'rate_limit_error';
  return status >= 500 ? 'server_error' : 'invalid_request_error';
}

/** OpenAI's error shape: `{"error": {"message", "type", "param", "code"}}`. */
function sendOpenAiError(res: ServerResponse, status: number, message: string, code: string | null = null): void {
  sendJson(res, status, JSON.stringify({ error: { message, type: openAiErrorType(status), param: null, code } }));
}

/** OpenAI's message content may be a string or an array of parts; the text parts are what counts here. */
function validateOpenAiMessages(messages: unknown): ChatMessage[] | string {
  if (!Array.isArray(messages) || messages.length === 0) return "'messages' must be a non-empty array";
  const normalised: ChatMessage[] = [];
  for (const m of messages) {
    if (!isRecord(m) || typeof m.role !== 'string') return 'each message needs a string role';
    if (m.content === undefined || m.content === null || typeof m.content === 'string') {
      normalised.push({ ...m, role: m.role, content: m.content ?? undefined });
    } else if (Array.isArray(m.content)) {
      const parts = m.content as unknown[];
      if (!parts.every((part) => isRecord(part) && typeof part.type === 'string')) return 'each content part needs a type';
      const text = parts.map((part) => (isRecord(part) && part.type === 'text' && typeof part.text === 'string' ? part.text : '')).join('');
      normalised.push({ ...m, role: m.role, content: text });
    } else return 'message content must be a string or an array of content parts';
  }
  return normalised;
}

/** response_format → the generator's format: json_object → "json", json_schema → its schema. */
function openAiFormat(responseFormat: unknown): unknown {
  if (!isRecord(responseFormat)) return undefined;
  if (responseFormat.type === 'json_object') return 'json';
  if (responseFormat.type === 'json_schema') {
    const schema = isRecord(responseFormat.json_schema) ? responseFormat.json_schema.schema : undefined;
    return isRecord(schema) ? schema : 'json';
  }
  return undefined;
}

function modelNotFound(res: ServerResponse, name: string): void {
  sendError(res, 404, `model "${name}" not found, try pulling it first`);
}

function nanos(ms: number): number {
  return Math.max(1, Math.round(ms * 1e6));
}

function parameterCount(size: string): number {
  const match = /^([\d.]+)\s*([KMBT]?)$/i.exec(size);
  if (!match) return 0;
  const unit = { K: 1e3, M: 1e6, B: 1e9, T: 1e12 }[match[2].toUpperCase()] ?? 1;
  return Math.round(Number(match[1]) * unit);
}

function describeModel(model: SimulatedModel) {
  const family = model.family ?? 'llama';
  const tag = model.name.split(':')[1];
  const parameterSize = model.parameterSize ?? (tag ? tag.toUpperCase() : 'unknown');
  const details = {
    parent_model: '',
    format: 'gguf',
    family,
    families: [family],
    parameter_size: parameterSize,
    quantization_level: 'Q4_K_M',
  };
  const params = parameterCount(parameterSize);
  return { family, details, params, size: Math.round(params * 0.6) || 1_000_000 };
}

const LLAMA3_TEMPLATE =
  '{{- range .Messages }}<|start_header_id|>{{ .Role }}<|end_header_id|>\n\n{{ .Content }}<|eot_id|>' +
  '{{- end }}<|start_header_id|>assistant<|end_header_id|>\n\n';
const PARAMETERS =
  'stop                           "<|start_header_id|>"\n' +
  'stop                           "<|end_header_id|>"\n' +
  'stop                           "<|eot_id|>"';

function tagsBody(models: readonly SimulatedModel[]): string {
  return JSON.stringify({
    models: models.map((model) => {
      const { details, size } = describeModel(model);
      const digest = createHash('sha256').update(model.name).digest('hex');
      return { name: model.name, model: model.name, modified_at: MODIFIED_AT, size, digest, details };
    }),
  });
}

/** OpenAI's model list; `max_model_len` is vLLM's addition, which is how such a server tells its context length. */
function openAiModelsBody(models: readonly SimulatedModel[]): string {
  return JSON.stringify({
    object: 'list',
    data: models.map((model) => ({
      id: model.name,
      object: 'model',
      created: MODELS_CREATED,
      owned_by: 'simulator',
      max_model_len: model.contextLength,
    })),
  });
}

function showBody(model: SimulatedModel): string {
  const { family, details, params } = describeModel(model);
  return JSON.stringify({
    modelfile:
      `# Modelfile generated by "ollama show"\nFROM ${model.name}\nTEMPLATE """${LLAMA3_TEMPLATE}"""\n` +
      PARAMETERS.replace(/^stop\s+/gm, 'PARAMETER stop '),
    parameters: PARAMETERS,
    template: LLAMA3_TEMPLATE,
    details,
    model_info: {
      'general.architecture': family,
      'general.parameter_count': params,
      [`${family}.context_length`]: model.contextLength,
    },
    capabilities: ['completion'],
    modified_at: MODIFIED_AT,
  });
}

export class OllamaSimulator {
  private options: Required<Omit<SimulatorOptions, 'failure' | 'apiKey'>> & { failure?: SimulatedFailure; apiKey?: string };
  private readonly models = new Map<string, ModelEntry>();
  private tags = '';
  private openAiModels = '';
  private completions = 0;
  private server: Server | undefined;
  private baseUrl = '';
  private readonly sockets = new Set<Socket>();
  private readonly active = new Set<Generation>();
  private readonly hung = new Set<ServerResponse>();
  private recorded: ChatRequestRecord[] = [];
  private tokenTimes: TokenTimes[] = [];
  private aborted = 0;
  /** [[sim:flaky=N]]: how many times each such request has failed so far. */
  private readonly flakyFailures = new Map<string, number>();
  private stopping = false;

  constructor(options: SimulatorOptions = {}) {
    this.options = {
      models: [...DEFAULT_SIMULATED_MODELS],
      firstTokenLatencyMs: 0,
      tokensPerSecond: 0,
      replyTokens: 12,
    };
    this.setOptions(options);
    if (!options.models) this.indexModels(this.options.models);
  }

  get url(): string {
    if (!this.baseUrl) throw new Error('OllamaSimulator is not started');
    return this.baseUrl;
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    if (this.server) return this.baseUrl;
    const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => this.handle(req, res));
    // Must exceed keepAliveTimeout, or pooled clients can race a server-side close.
    server.headersTimeout = 66_000;
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.server = server;
    this.stopping = false;
    this.baseUrl = `http://${urlHost}:${address.port}`;
    return this.baseUrl;
  }

  /** Closes the server and every socket, including ones held by hung requests. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.stopping = true;
    for (const gen of this.active) this.finish(gen);
    this.hung.clear();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
    this.server = undefined;
    this.baseUrl = '';
  }

  setOptions(partial: Partial<SimulatorOptions>): void {
    const next = { ...this.options };
    for (const [key, value] of Object.entries(partial) as [keyof SimulatorOptions, unknown][]) {
      // An explicit `failure: undefined` clears the failure; other undefined values are ignored.
      if (value !== undefined || key === 'failure') Object.assign(next, { [key]: value });
    }
    this.options = next;
    if (partial.models) this.indexModels(partial.models);
  }

  /** Last 100 chat bodies (/api/chat and /v1/chat/completions), newest last. */
  receivedRequests(): ChatRequestRecord[] {
    return [...this.recorded];
  }

  clearReceived(): void {
    this.recorded = [];
    this.tokenTimes = [];
  }

  /** Chat requests whose client went away before the reply was complete. */
  abortedCount(): number {
    return this.aborted;
  }

  /** Chat replies currently being generated or hanging. */
  activeCount(): number {
    return this.active.size + this.hung.size;
  }

  private indexModels(models: readonly SimulatedModel[]): void {
    this.models.clear();
    for (const model of models) this.models.set(model.name, { model, showBody: showBody(model) });
    this.tags = tagsBody(models);
    this.openAiModels = openAiModelsBody(models);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const method = req.method ?? 'GET';
    if (method === 'POST' && path === '/api/chat') return this.readBody(req, res, sendError, (body) => this.chat(body, res));
    if (method === 'POST' && path === '/api/show') return this.readBody(req, res, sendError, (body) => this.show(body, res));
    if (path.startsWith('/v1/')) return this.handleOpenAi(req, res, method, path);
    if (method === 'GET' || method === 'HEAD') {
      if (path === '/') {
        res.writeHead(200, TEXT_HEADERS);
        res.end('Ollama is running');
        return;
      }
      if (path === '/api/version') return sendJson(res, 200, VERSION_BODY);
      if (path === '/api/tags') return sendJson(res, 200, this.tags);
      if (path === '/_simulator/requests') return sendJson(res, 200, JSON.stringify(this.recorded));
      if (path === '/_simulator/token-times') return sendJson(res, 200, JSON.stringify(this.tokenTimes));
    }
    if (method === 'DELETE' && path === '/_simulator/requests') {
      this.clearReceived();
      res.writeHead(204);
      res.end();
      return;
    }
    sendJson(res, 404, NOT_FOUND_BODY);
  }

  /** The OpenAI-compatible API: its routes, its bearer key (when configured) and its error shape. */
  private handleOpenAi(req: IncomingMessage, res: ServerResponse, method: string, path: string): void {
    const key = this.options.apiKey;
    if (key !== undefined && req.headers.authorization !== `Bearer ${key}`) {
      req.resume();
      return sendOpenAiError(res, 401, 'Incorrect API key provided.', 'invalid_api_key');
    }
    if (method === 'POST' && path === '/v1/chat/completions') {
      return this.readBody(req, res, sendOpenAiError, (body) => this.openAiChat(body, res));
    }
    if ((method === 'GET' || method === 'HEAD') && path === '/v1/models') return sendJson(res, 200, this.openAiModels);
    req.resume();
    sendOpenAiError(res, 404, `Unknown request URL: ${method} ${path}.`, 'unknown_url');
  }

  private readBody(
    req: IncomingMessage,
    res: ServerResponse,
    fail: (res: ServerResponse, status: number, message: string) => void,
    onBody: (body: Record<string, unknown>) => void,
  ): void {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return fail(res, 413, 'request body too large');
      let body: unknown;
      try {
        body = JSON.parse(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8'));
      } catch (err) {
        return fail(res, 400, `invalid JSON body: ${(err as Error).message}`);
      }
      if (!isRecord(body)) return fail(res, 400, 'request body must be a JSON object');
      onBody(body);
    });
  }

  private show(body: Record<string, unknown>, res: ServerResponse): void {
    const name = typeof body.model === 'string' && body.model ? body.model : body.name;
    if (typeof name !== 'string' || !name) return sendError(res, 400, 'model is required');
    const entry = this.models.get(name);
    if (!entry) return modelNotFound(res, name);
    sendJson(res, 200, entry.showBody);
  }

  /** Fails the first `times` requests with this content, then lets them through (transient failures). */
  private failFlaky(content: string, times: number): boolean {
    const failed = this.flakyFailures.get(content) ?? 0;
    if (failed >= times) return false;
    this.flakyFailures.set(content, failed + 1);
    return true;
  }

  private chat(body: Record<string, unknown>, res: ServerResponse): void {
    if (typeof body.model !== 'string' || !body.model) return sendError(res, 400, 'model is required');
    const messages = validateMessages(body.messages);
    if (typeof messages === 'string') return sendError(res, 400, messages);
    this.record(body as ChatRequestRecord);
    if (!this.models.has(body.model)) return modelNotFound(res, body.model);

    const stream = body.stream !== false;
    if (messages.length === 0) return this.sendLoaded(res, JSON.stringify(body.model), stream);
    const options = isRecord(body.options) ? body.options : undefined;
    this.generate(res, {
      api: 'ollama',
      model: body.model,
      messages,
      stream,
      format: body.format,
      maxTokens: toCount(options?.num_predict),
      numCtx: toCount(options?.num_ctx),
      includeUsage: false,
      echo: () => JSON.stringify({ messages: body.messages, options: body.options, format: body.format }),
    });
  }

  /** POST /v1/chat/completions, as OpenAI (and vLLM, llama.cpp server) answer it. */
  private openAiChat(body: Record<string, unknown>, res: ServerResponse): void {
    if (typeof body.model !== 'string' || !body.model) return sendOpenAiError(res, 400, "you must provide a model parameter", 'missing_required_parameter');
    const messages = validateOpenAiMessages(body.messages);
    if (typeof messages === 'string') return sendOpenAiError(res, 400, messages, 'invalid_value');
    this.record(body as ChatRequestRecord);
    const entry = this.models.get(body.model);
    if (!entry) {
      return sendOpenAiError(res, 404, `The model \`${body.model}\` does not exist or you do not have access to it.`, 'model_not_found');
    }
    const prompt = promptTokens(messages);
    if (prompt > entry.model.contextLength) {
      return sendOpenAiError(
        res,
        400,
        `This model's maximum context length is ${entry.model.contextLength} tokens. However, your messages resulted in ${prompt} tokens.`,
        'context_length_exceeded',
      );
    }
    const streamOptions = isRecord(body.stream_options) ? body.stream_options : undefined;
    this.generate(res, {
      api: 'openai',
      model: body.model,
      messages,
      stream: body.stream === true,
      format: openAiFormat(body.response_format),
      maxTokens: toCount(body.max_completion_tokens) ?? toCount(body.max_tokens),
      numCtx: undefined,
      includeUsage: streamOptions?.include_usage === true,
      echo: () => JSON.stringify(body),
    });
  }

  /** Directives, failures, then the reply: the same for both APIs, only the wire format differs. */
  private generate(res: ServerResponse, call: ChatCall): void {
    const lastUser = lastUserContent(call.messages);
    const directives = parseDirectives(lastUser);
    if (directives.flaky !== undefined && this.failFlaky(lastUser, directives.flaky)) return this.sendFailure(res, call.api, 503);
    const failure = directives.failure ?? this.options.failure;
    if (failure?.mode === 'error') return this.sendFailure(res, call.api, failure.status);
    if (failure?.mode === 'hang') return this.hang(res);

    const { chunks, doneReason } = this.reply(call, directives);
    let promptEvalCount = promptTokens(call.messages);
    // Ollama truncates prompts that do not fit the requested context window.
    if (call.numCtx && promptEvalCount > call.numCtx) promptEvalCount = call.numCtx;
    const tps = directives.tokensPerSecond ?? this.options.tokensPerSecond;
    const gen: Generation = {
      res,
      api: call.api,
      stream: call.stream,
      modelJson: JSON.stringify(call.model),
      id: `chatcmpl-sim${(++this.completions).toString(36).padStart(8, '0')}`,
      created: Math.floor(Date.now() / 1000),
      includeUsage: call.includeUsage,
      chunks,
      cutAfter: failure?.mode === 'cut' ? failure.afterTokens : undefined,
      doneReason,
      promptEvalCount,
      interTokenMs: tps > 0 ? 1000 / tps : 0,
      startedAt: performance.now(),
      firstTokenAt: 0,
      sent: 0,
      timer: undefined,
      finished: false,
      selfClosed: false,
      writtenAt: [],
    };
    const latency = directives.latencyMs ?? this.options.firstTokenLatencyMs;
    if (latency === 0 && gen.interTokenMs === 0) return this.step(gen);
    this.active.add(gen);
    res.on('close', () => this.onClose(gen));
    gen.timer = setTimeout(() => this.step(gen), latency);
  }

  private sendFailure(res: ServerResponse, api: Api, status: number): void {
    if (api === 'ollama') return sendJson(res, status, SIMULATED_FAILURE_BODY);
    sendOpenAiError(res, status, 'simulated failure', status === 429 ? 'rate_limit_exceeded' : null);
  }

  private record(body: ChatRequestRecord): void {
    this.recorded.push(body);
    if (this.recorded.length > MAX_RECORDED) this.recorded.shift();
  }

  private reply(call: ChatCall, directives: Directives): { chunks: string[]; doneReason: 'stop' | 'length' } {
    const guard = this.models.get(call.model)?.model.guard;
    if (guard) return { chunks: [guardAnswer(guard, lastUserContent(call.messages))], doneReason: 'stop' };
    if (directives.echo) return { chunks: [call.echo()], doneReason: 'stop' };
    if (directives.recite) return { chunks: textChunks(['Sure,', 'my', 'instructions', 'are:', ...recited(call.messages)]), doneReason: 'stop' };
    const rng = createRng(fnv1a(`${call.model}\u0000${JSON.stringify(call.messages)}`));
    const wanted = directives.tokens ?? this.options.replyTokens;
    const limit = call.maxTokens;
    const count = limit !== undefined && limit > 0 ? Math.min(wanted, limit) : wanted;
    const doneReason = count < wanted ? 'length' : 'stop';
    const words = pickWords(rng, count);
    if (!isJsonFormat(call.format)) return { chunks: textChunks(words), doneReason };
    const json = JSON.stringify(jsonValue(call.format, words.join(' '), rng));
    return { chunks: splitEvenly(json, count), doneReason };
  }

  /** Emits the next chunk (or all remaining ones when there is no inter-token delay). */
  private step(gen: Generation): void {
    gen.timer = undefined;
    if (gen.finished) return;
    if (gen.sent === 0) gen.firstTokenAt = performance.now();
    const limit = Math.min(gen.chunks.length, gen.cutAfter ?? Infinity);
    const upTo = gen.interTokenMs === 0 ? limit : Math.min(limit, gen.sent + 1);
    const from = gen.sent;
    gen.sent = upTo;
    const reachedEnd = upTo >= limit;
    if (reachedEnd && gen.cutAfter !== undefined) return this.cut(gen, from);
    if (reachedEnd) return this.complete(gen, from);
    if (gen.stream) this.writeChunks(gen, from, upTo);
    gen.timer = setTimeout(() => this.step(gen), gen.interTokenMs);
  }

  private chunkLines(gen: Generation, from: number, to: number): string {
    if (from >= to) return '';
    if (gen.api === 'openai') return this.openAiChunkLines(gen, from, to);
    const prefix = `{"model":${gen.modelJson},"created_at":"${new Date().toISOString()}","message":{"role":"assistant","content":`;
    let out = '';
    for (let i = from; i < to; i++) out += `${prefix}${JSON.stringify(gen.chunks[i])}},"done":false}\n`;
    return out;
  }

  /** SSE `chat.completion.chunk` events; the first one announces the role, as OpenAI's does. */
  private openAiChunkLines(gen: Generation, from: number, to: number): string {
    const usage = gen.includeUsage ? ',"usage":null' : '';
    const prefix =
      `data: {"id":"${gen.id}","object":"chat.completion.chunk","created":${gen.created},"model":${gen.modelJson},` +
      `"system_fingerprint":"${SYSTEM_FINGERPRINT}","choices":[{"index":0,"delta":`;
    const suffix = `,"logprobs":null,"finish_reason":null}]${usage}}\n\n`;
    let out = from === 0 ? `${prefix}{"role":"assistant","content":""}${suffix}` : '';
    for (let i = from; i < to; i++) out += `${prefix}{"content":${JSON.stringify(gen.chunks[i])}}${suffix}`;
    return out;
  }

  /** Writes chunks from..to of a stream and notes when (the first streams of a reply are kept for benchmarks). */
  private writeChunks(gen: Generation, from: number, to: number): void {
    if (from >= to) return;
    this.write(gen, this.chunkLines(gen, from, to));
    this.noteWritten(gen, from, to);
  }

  private noteWritten(gen: Generation, from: number, to: number): void {
    if (from >= to) return;
    if (gen.writtenAt.length === 0) {
      this.tokenTimes.push({ id: gen.id, writtenAt: gen.writtenAt });
      if (this.tokenTimes.length > MAX_RECORDED) this.tokenTimes.shift();
    }
    const at = wallClock();
    for (let i = from; i < to; i++) gen.writtenAt.push(at);
  }

  private write(gen: Generation, data: string, onFlushed?: () => void): void {
    if (!gen.res.headersSent) gen.res.writeHead(200, gen.api === 'openai' ? SSE_HEADERS : NDJSON_HEADERS);
    gen.res.write(data, onFlushed);
  }

  private complete(gen: Generation, from: number): void {
    if (gen.api === 'openai') return this.completeOpenAi(gen, from);
    const now = performance.now();
    const firstTokenAt = gen.firstTokenAt || now;
    const content = gen.stream ? '' : gen.chunks.join('');
    const final =
      `{"model":${gen.modelJson},"created_at":"${new Date().toISOString()}",` +
      `"message":{"role":"assistant","content":${JSON.stringify(content)}},` +
      `"done":true,"done_reason":"${gen.doneReason}","total_duration":${nanos(LOAD_MS + now - gen.startedAt)},` +
      `"load_duration":${nanos(LOAD_MS)},"prompt_eval_count":${gen.promptEvalCount},` +
      `"prompt_eval_duration":${nanos(firstTokenAt - gen.startedAt)},"eval_count":${gen.sent},` +
      `"eval_duration":${nanos(now - firstTokenAt)}}`;
    this.finish(gen);
    if (gen.stream) {
      if (!gen.res.headersSent) gen.res.writeHead(200, NDJSON_HEADERS);
      gen.res.end(`${this.chunkLines(gen, from, gen.sent)}${final}\n`);
      this.noteWritten(gen, from, gen.sent);
    } else {
      sendJson(gen.res, 200, final);
    }
  }

  /** The end of an OpenAI answer: finish_reason, usage when asked for, `[DONE]`; or the whole chat.completion. */
  private completeOpenAi(gen: Generation, from: number): void {
    this.finish(gen);
    const usage = `{"prompt_tokens":${gen.promptEvalCount},"completion_tokens":${gen.sent},"total_tokens":${gen.promptEvalCount + gen.sent}}`;
    if (!gen.stream) {
      const body =
        `{"id":"${gen.id}","object":"chat.completion","created":${gen.created},"model":${gen.modelJson},` +
        `"system_fingerprint":"${SYSTEM_FINGERPRINT}","choices":[{"index":0,"message":{"role":"assistant",` +
        `"content":${JSON.stringify(gen.chunks.join(''))},"refusal":null},"logprobs":null,"finish_reason":"${gen.doneReason}"}],` +
        `"usage":${usage}}`;
      return sendJson(gen.res, 200, body);
    }
    const head = `data: {"id":"${gen.id}","object":"chat.completion.chunk","created":${gen.created},"model":${gen.modelJson},"system_fingerprint":"${SYSTEM_FINGERPRINT}",`;
    let out = this.chunkLines(gen, from, gen.sent);
    // A reply of zero tokens still announces the role before it finishes.
    if (gen.sent === 0) out += this.openAiChunkLines(gen, 0, 0);
    out += `${head}"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"${gen.doneReason}"}]${gen.includeUsage ? ',"usage":null' : ''}}\n\n`;
    if (gen.includeUsage) out += `${head}"choices":[],"usage":${usage}}\n\n`;
    out += 'data: [DONE]\n\n';
    if (!gen.res.headersSent) gen.res.writeHead(200, SSE_HEADERS);
    gen.res.end(out);
  }

  /** Simulates a crashed runner: some chunks, then the connection drops without the done line. */
  private cut(gen: Generation, from: number): void {
    this.finish(gen);
    gen.selfClosed = true;
    const destroy = () => gen.res.destroy();
    const lines = gen.stream ? this.chunkLines(gen, from, gen.sent) : '';
    // Flush what was "generated" before dropping the connection, or the client never sees it.
    if (lines) this.write(gen, lines, destroy);
    else destroy();
  }

  private finish(gen: Generation): void {
    gen.finished = true;
    if (gen.timer) clearTimeout(gen.timer);
    gen.timer = undefined;
    this.active.delete(gen);
  }

  private onClose(gen: Generation): void {
    if (gen.finished) return;
    this.finish(gen);
    if (!gen.selfClosed && !this.stopping) this.aborted++;
  }

  /** Accepts the request and never answers, until the client or stop() closes the socket. */
  private hang(res: ServerResponse): void {
    this.hung.add(res);
    res.on('close', () => {
      if (this.hung.delete(res) && !this.stopping) this.aborted++;
    });
  }

  /** Ollama's answer to a chat without messages: the model is loaded, nothing generated. */
  private sendLoaded(res: ServerResponse, modelJson: string, stream: boolean): void {
    const body =
      `{"model":${modelJson},"created_at":"${new Date().toISOString()}",` +
      `"message":{"role":"assistant","content":""},"done_reason":"load","done":true}`;
    if (!stream) return sendJson(res, 200, body);
    res.writeHead(200, NDJSON_HEADERS);
    res.end(`${body}\n`);
  }
}
