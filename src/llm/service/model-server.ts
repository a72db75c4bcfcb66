import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../../libs/config/app-config.js';
import type { ChatProvider } from '../domain/chat-provider.js';
import { ModelCatalog, type ModelSpec } from '../domain/model-catalog.js';
import { OllamaSimulator } from '../simulator/ollama-simulator.js';
import { GuardedProvider } from './guarded.provider.js';
import { OllamaProvider } from './ollama.provider.js';

/** A model server gus talks to: the bare provider (metadata) and the same with retries and deadlines (calls). */
interface Connection {
  name: string;
  bare: ChatProvider;
  calls: ChatProvider;
}

/**
 * Owns the connections to the model servers: Ollama at OLLAMA_HOST (or, when it is unset, the built-in
 * simulator started in this process on a free port and reached through the same real client), and one
 * OpenAI-compatible connection per distinct baseUrl (and key) of the catalogue. Every call goes through
 * retries (transient failures before the first token) inside deadlines (first token, whole answer).
 */
@Injectable()
export class ModelServer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('ModelServer');
  private simulator: OllamaSimulator | null = null;
  private ollama: Connection | null = null;
  /** By `openAiKey(model)`. */
  private readonly openAi = new Map<string, Connection>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly catalog: ModelCatalog,
  ) {}

  async onModuleInit(): Promise<void> {
    const models = this.catalog.all();
    if (models.some((model) => model.provider === 'ollama')) await this.connectOllama();
    for (const model of models.filter((m) => m.provider === 'openai')) {
      const key = openAiKey(model);
      if (this.openAi.has(key)) continue;
      // The catalogue names the variable; the key itself only ever lives in the environment.
      const apiKey = model.apiKeyEnv ? process.env[model.apiKeyEnv] : undefined;
      if (model.apiKeyEnv && !apiKey) throw new Error(`model "${model.id}" reads its API key from ${model.apiKeyEnv}, which is not set`);
      // The openai client only when the catalogue has such a model.
      const { OpenAICompatibleProvider } = await import('./openai-compatible.provider.js');
      const provider = new OpenAICompatibleProvider({ baseUrl: model.baseUrl!, apiKey, requestTimeoutMs: this.requestTimeoutMs() });
      this.openAi.set(key, this.connection(`openai-compatible ${model.baseUrl}`, provider));
      this.logger.log(`model server: OpenAI-compatible at ${model.baseUrl}${model.apiKeyEnv ? ` (key from ${model.apiKeyEnv})` : ''}`);
    }
    await this.learnContextWindows();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.connections().map((connection) => connection.bare.close?.().catch(() => undefined)));
    await this.simulator?.stop();
  }

  /** The provider for a catalogue model, with retries and deadlines. */
  providerFor(model: Pick<ModelSpec, 'provider' | 'baseUrl' | 'apiKeyEnv' | 'id'>): ChatProvider {
    return this.connectionFor(model).calls;
  }

  /** Resolves when every model server of the catalogue answers. */
  async ping(): Promise<void> {
    await Promise.all(
      this.connections().map((connection) =>
        connection.bare.ping().catch((error: unknown) => {
          throw new Error(`${connection.name}: ${error instanceof Error ? error.message : String(error)}`);
        }),
      ),
    );
  }

  private async connectOllama(): Promise<void> {
    let host = this.config.ollamaHost;
    if (!host) {
      this.simulator = new OllamaSimulator({
        models: this.catalog.all().map((model) => ({ name: model.id, contextLength: model.contextWindow ?? 8192 })),
      });
      host = await this.simulator.start(0);
      this.logger.warn(`OLLAMA_HOST is not set: answers come from the BUILT-IN MODEL SIMULATOR at ${host}, not from a real model`);
    } else {
      this.logger.log(`model server: Ollama at ${host}`);
    }
    this.ollama = this.connection(`ollama ${host}`, new OllamaProvider(host));
  }

  private connection(name: string, bare: ChatProvider): Connection {
    const calls = new GuardedProvider(bare, {
      retry: { retries: this.config.llmRetries, baseDelayMs: this.config.llmRetryBaseMs },
      deadlines: { firstTokenMs: this.config.llmFirstTokenTimeoutMs, totalMs: this.config.llmTimeoutMs },
      onRetry: ({ model, retry, of, delayMs, error }) =>
          this.logger.warn({
            msg: 'model call failed before its first token, retrying',
            server: name,
            model,
            retry,
            of,
            delayMs,
            code: (error as { code?: string }).code,
            error: error instanceof Error ? error.message : String(error),
          }),
    });
    return { name, bare, calls };
  }

  private connectionFor(model: Pick<ModelSpec, 'provider' | 'baseUrl' | 'apiKeyEnv' | 'id'>): Connection {
    const connection = model.provider === 'openai' ? this.openAi.get(openAiKey(model)) : this.ollama;
    if (!connection) throw new Error(`no model server is connected for model "${model.id}" (${model.provider})`);
    return connection;
  }

  private connections(): Connection[] {
    return [...(this.ollama ? [this.ollama] : []), ...this.openAi.values()];
  }

  /** The client's own backstop for a response to start; the call's deadlines are GuardedProvider's. */
  private requestTimeoutMs(): number {
    return this.config.llmTimeoutMs > 0 ? this.config.llmTimeoutMs : 10 * 60_000;
  }

  /** Models without a fixed window in the catalogue take the one the server reports (/api/show, /v1/models). */
  private async learnContextWindows(): Promise<void> {
    for (const model of this.catalog.all().filter((m) => m.contextWindow === undefined)) {
      const length = await this.connectionFor(model).bare.contextLength(model.id).catch(() => null);
      this.catalog.setContextWindow(model.id, length ?? 4096);
      this.logger.log(`model ${model.id}: context window ${length ?? '4096 (server did not say)'}`);
    }
  }
}

function openAiKey(model: Pick<ModelSpec, 'baseUrl' | 'apiKeyEnv'>): string {
  return `${model.baseUrl}\u0000${model.apiKeyEnv ?? ''}`;
}
