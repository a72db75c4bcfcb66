import type { ModelTier } from '../../../libs/auth/principal.js';
import { DomainError } from '../../../libs/errors/domain-error.js';

export type ProviderKind = 'ollama' | 'openai';

/** One entry of config/models.json. Prices are per million tokens, in the billing currency. */
export interface ModelSpec {
  id: string;
  provider: ProviderKind;
  /** Tokens the model can attend to; when absent, read from the provider at start. */
  contextWindow?: number;
  tier: ModelTier;
  pricePerMillionInput: number;
  pricePerMillionOutput: number;
  /** For the OpenAI-compatible provider (required there): the API root, e.g. `http://127.0.0.1:8000/v1`. */
  baseUrl?: string;
  /**
   * For the OpenAI-compatible provider: the name of the environment variable holding the API key
   * (the key itself never goes in the catalogue). Unset: no Authorization header is sent.
   */
  apiKeyEnv?: string;
  /**
   * A guard model (Llama Guard, Prompt Guard…): plans may have it judge user messages (moderation's guard); `guardKind`
   * says how it answers — `llama-guard` (default: "safe" / "unsafe\nS14") or `prompt-guard` (a label and score).
   */
  guard?: boolean;
  guardKind?: 'llama-guard' | 'prompt-guard';
}

const MICROS = 1_000_000n;

/** The models gus offers, their tiers and prices. */
export class ModelCatalog {
  private readonly models: Map<string, ModelSpec>;

  constructor(
    models: ModelSpec[],
    readonly defaultModelId: string,
  ) {
    for (const model of models) validateSpec(model);
    this.models = new Map(models.map((model) => [model.id, model]));
    if (!this.models.has(defaultModelId)) throw new Error(`the default model "${defaultModelId}" is not in the catalogue`);
    if (this.models.get(defaultModelId)!.guard) throw new Error(`the default model "${defaultModelId}" is a guard model, not a chat model`);
  }

  /** Every model, guards included (the model servers, context windows). */
  all(): ModelSpec[] {
    return [...this.models.values()];
  }

  /** The models a conversation may use: guard models only judge texts. */
  chatModels(): ModelSpec[] {
    return this.all().filter((model) => !model.guard);
  }

  /** The chat model by id, or the default when none is asked for; an unknown id or a guard model is the client's error. */
  resolve(id?: string | null): ModelSpec {
    const model = this.models.get(id ?? this.defaultModelId);
    if (!model || model.guard) throw new DomainError('INVALID_REQUEST', `unknown model "${id}" (see GET /v1/models)`);
    return model;
  }

  /** A guard model by id (a plan's guard policy); a configuration error when it is missing or not marked as a guard. */
  resolveGuard(id: string): ModelSpec {
    const model = this.models.get(id);
    if (!model?.guard) throw new Error(`model "${id}" is not marked as a guard in the catalogue`);
    return model;
  }

  setContextWindow(id: string, contextWindow: number): void {
    const model = this.models.get(id);
    if (model) model.contextWindow = contextWindow;
  }
}

/**
 * Cost of a turn in integer micro-units of the billing currency, rounded half up once per turn.
 * BigInt keeps large token counts times fine-grained prices exact.
 */
export function priceTurn(model: ModelSpec, promptTokens: number, completionTokens: number): number {
  const perMillion =
    BigInt(promptTokens) * toMicros(model.pricePerMillionInput) + BigInt(completionTokens) * toMicros(model.pricePerMillionOutput);
  return Number((perMillion + MICROS / 2n) / MICROS);
}

function toMicros(price: number): bigint {
  return BigInt(Math.round(price * 1_000_000));
}

function validateSpec(model: ModelSpec): void {
  const where = `model "${model.id}" in the catalogue`;
  if (!model.id) throw new Error('a model in the catalogue has no id');
  if (model.provider !== 'ollama' && model.provider !== 'openai') throw new Error(`${where}: provider must be ollama or openai`);
  if (model.tier !== 'standard' && model.tier !== 'premium') throw new Error(`${where}: tier must be standard or premium`);
  if (!(model.pricePerMillionInput >= 0) || !(model.pricePerMillionOutput >= 0)) throw new Error(`${where}: prices must be >= 0`);
  if (model.contextWindow !== undefined && !(Number.isInteger(model.contextWindow) && model.contextWindow > 0)) {
    throw new Error(`${where}: contextWindow must be a positive integer`);
  }
  if ('apiKey' in model) throw new Error(`${where}: never put an API key in the catalogue; name the environment variable holding it in apiKeyEnv`);
  if (model.provider === 'openai' && !isHttpUrl(model.baseUrl)) {
    throw new Error(`${where}: the openai provider needs a baseUrl (http or https), e.g. http://127.0.0.1:8000/v1`);
  }
  if (model.provider === 'ollama' && model.baseUrl !== undefined) throw new Error(`${where}: baseUrl is for the openai provider (Ollama is at OLLAMA_HOST)`);
  if (model.guard !== undefined && typeof model.guard !== 'boolean') throw new Error(`${where}: guard must be true or false`);
  if (model.guardKind !== undefined && (!model.guard || !['llama-guard', 'prompt-guard'].includes(model.guardKind))) {
    throw new Error(`${where}: guardKind ("llama-guard" or "prompt-guard") is for a model with guard: true`);
  }
  if (model.apiKeyEnv !== undefined) {
    if (model.provider !== 'openai') throw new Error(`${where}: apiKeyEnv is for the openai provider`);
    if (typeof model.apiKeyEnv !== 'string' || !ENV_NAME.test(model.apiKeyEnv)) {
      throw new Error(`${where}: apiKeyEnv must be the name of an environment variable, e.g. VLLM_API_KEY`);
    }
  }
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
