import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Piscina } from 'piscina';
import { APP_CONFIG, type AppConfig } from '../../../libs/config/app-config.js';
import { screenings } from '../../../libs/metrics/metrics.js';
import { ForbiddenContent } from '../domain/forbidden-content.js';
import { InjectionClassifier } from '../domain/injection-classifier.js';
import { screenText, type TextScreening } from '../domain/text-screening.js';
import { INJECTION_CLASSIFIER_FILE } from '../repository/injection-classifier.file.js';
import type { ScreeningWorkerData } from './screening.worker.js';

const screenedInline = screenings.labels('inline');
const screenedInWorker = screenings.labels('worker');
/** Threads leave after this long without work: an idle instance keeps no worker's memory. */
const IDLE_THREAD_MS = 60_000;

/**
 * Runs the content checks (forbidden content, prompt injection) on the event loop or off it, by length: up to
 * GUS_SCREENING_INLINE_CHARS (2,048) in place — well under a millisecond for ordinary text, a few at worst —
 * and longer texts in a worker thread. The forbidden-content matcher costs ~2–4 ms per 1,000 characters and
 * adversarial text makes the injection rules work harder: a 32,000-character message held the event loop for
 * 40–60 ms.
 */
@Injectable()
export class ScreeningPool implements OnModuleDestroy {
  private pool: Promise<Piscina> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly forbidden: ForbiddenContent,
    private readonly classifier: InjectionClassifier,
  ) {}

  async screen(text: string): Promise<TextScreening> {
    return (await this.screenAll([text]))[0]!;
  }

  /** Several texts of one request, in order: in place when all of them together are short, else in one worker task. */
  async screenAll(texts: string[]): Promise<TextScreening[]> {
    let chars = 0;
    for (const text of texts) chars += text.length;
    if (chars <= this.config.screeningInlineChars) {
      screenedInline.inc(texts.length);
      return texts.map((text) => screenText(text, this.forbidden, this.classifier));
    }
    const pool = await (this.pool ??= this.startPool());
    screenedInWorker.inc(texts.length);
    return (await pool.run(texts)) as TextScreening[];
  }

  async onModuleDestroy(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    if (pool) await (await pool).destroy();
  }

  /** piscina is imported on first need: most turns never use it, and start-up stays short. */
  private async startPool(): Promise<Piscina> {
    const { Piscina } = await import('piscina');
    const workerData: ScreeningWorkerData = { forbiddenTermsPath: this.config.forbiddenTermsPath, classifierPath: resolve(INJECTION_CLASSIFIER_FILE) };
    return new Piscina({
      filename: new URL('./screening.worker.js', import.meta.url).href,
      workerData,
      minThreads: 0,
      // One core stays for the event loop.
      maxThreads: Math.max(1, Math.min(4, availableParallelism() - 1)),
      idleTimeout: IDLE_THREAD_MS,
    });
  }
}
