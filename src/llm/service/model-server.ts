import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../../libs/config/app-config.js';
import type { ChatProvider } from '../domain/chat-provider.js';
import { ModelCatalog } from '../domain/model-catalog.js';
import { OllamaSimulator } from '../simulator/ollama-simulator.js';
import { OllamaProvider } from './ollama.provider.js';

/**
 * Owns the connection to the model server: Ollama at OLLAMA_HOST, or, when it is unset, the built-in
 * simulator started in this process on a free port and reached through the same real client.
 */
@Injectable()
export class ModelServer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('ModelServer');
  private simulator: OllamaSimulator | null = null;
  private ollama: OllamaProvider;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly catalog: ModelCatalog,
  ) {}

  async onModuleInit(): Promise<void> {
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
    this.ollama = new OllamaProvider(host, this.config.llmTimeoutMs);
    await this.learnContextWindows();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.simulator?.stop();
  }

  providerFor(_model: { provider: string }): ChatProvider {
    return this.ollama;
  }

  ping(): Promise<void> {
    return this.ollama.ping();
  }

  /** Models without a fixed window in the catalogue take the one the server reports (/api/show). */
  private async learnContextWindows(): Promise<void> {
    for (const model of this.catalog.all().filter((m) => m.contextWindow === undefined)) {
      const length = await this.ollama.contextLength(model.id).catch(() => null);
      this.catalog.setContextWindow(model.id, length ?? 4096);
      this.logger.log(`model ${model.id}: context window ${length ?? '4096 (server did not say)'}`);
    }
  }
}
