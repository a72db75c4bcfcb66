import { Logger } from '@nestjs/common';
import { DomainError } from '../../../libs/errors/domain-error.js';
import type { ChatMessage, LlmFacade, ModelSpec } from '../../llm/llm.facade.js';
import { CanaryGate } from '../domain/canary.js';
import type { MessageStatus } from '../domain/message.js';
import { PromptEchoGate, type PromptFingerprint } from '../domain/prompt-echo.js';

export interface TurnUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  costMicros: number;
  latencyMs: number;
  ttftMs: number | null;
}

/** How one model call went: what it produced, how long it took, and how it ended. */
export interface ModelCallOutcome {
  text: string;
  /** The answer began to repeat the system prompt (its canary, or a long run of its words) and was cut there. */
  leakCut: boolean;
  /** What gave the leak away: the canary, or a long run of the system prompt's words (prompt-echo.ts). */
  leak: 'canary' | 'system-prompt' | null;
  /** For a system-prompt leak: the words of the run that made the cut. */
  leakWords: number;
  /** The model stopped at the token limit it was given (finish_reason `length`). */
  truncated: boolean;
  status: MessageStatus;
  failure: DomainError | null;
  startedAt: Date;
  completedAt: Date;
  usage: TurnUsage;
}

export interface ModelCallRequest {
  model: ModelSpec;
  messages: ChatMessage[];
  window: number;
  /** Tokens of the prompt as gus counted them, used when the provider reports none. */
  promptTokensEstimate: number;
  format?: 'json';
  signal: AbortSignal;
  /** Stops the call from the caller's side (beside `signal`): a turn whose question could not be stored. */
  stop?: AbortController;
  /** The system turn's canary: nothing from it on is released, streamed or stored. */
  canary: string;
  /** The system prompt's words (canary line excluded): an answer reproducing a long run of them is cut there. */
  systemFingerprint?: PromptFingerprint | null;
  /** The most tokens the answer may have (what the quota reservation left room for); unset: no cap. */
  maxTokens?: number;
  onDelta?: (text: string) => void;
}

const logger = new Logger('ModelCall');

export const LEAK_CUT_WARNING = 'the answer was cut where it began to repeat the system instructions';

/**
 * Streams one answer and measures it: time to first token, latency, tokens (the provider's counts, else
 * LLaMA 3 counts), cost. A client that goes away makes it `interrupted`; a model failure makes it `failed`.
 * Nothing generated, nothing billed.
 */
export async function callModel(llm: LlmFacade, request: ModelCallRequest): Promise<ModelCallOutcome> {
  const startedAt = new Date();
  const started = performance.now();
  const gate = new CanaryGate(request.canary);
  const echo = request.systemFingerprint ? new PromptEchoGate(request.systemFingerprint) : null;
  const release = (text: string) => {
    const out = echo && text ? echo.push(text) : text;
    if (out) request.onDelta?.(out);
  };
  const stop = request.stop ?? new AbortController();
  // The caller's signal stops the call too. A listener, not AbortSignal.any: that costs ~15 µs more per turn.
  const followCaller = () => stop.abort(request.signal.reason);
  if (request.signal.aborted) followCaller();
  else request.signal.addEventListener('abort', followCaller, { once: true });
  const signal = stop.signal;
  let ttftMs: number | null = null;
  let reportedPrompt: number | null = null;
  let reportedCompletion: number | null = null;
  let doneReason: string | null = null;
  let status: MessageStatus = 'complete';
  let failure: DomainError | null = null;
  try {
    const events = llm.stream({ model: request.model, messages: request.messages, contextWindow: request.window, maxTokens: request.maxTokens, format: request.format, signal });
    for await (const event of events) {
      if (event.type === 'delta') {
        ttftMs ??= Math.round(performance.now() - started);
        release(gate.push(event.text));
        if (gate.leaked || echo?.leaked) {
          stop.abort(); // no need for the rest of a leaking answer
          break;
        }
      } else {
        reportedPrompt = event.promptTokens;
        reportedCompletion = event.completionTokens;
        doneReason = event.doneReason;
      }
    }
    release(gate.finish());
    if (echo) release(echo.finish());
    if (request.signal.aborted) status = 'interrupted';
  } catch (error) {
    release(gate.finish());
    if (echo) release(echo.finish());
    if (request.signal.aborted) status = 'interrupted';
    else {
      status = 'failed';
      failure = error instanceof DomainError ? error : new DomainError('LLM_ERROR', 'the model call failed');
      if (!(error instanceof DomainError)) logger.error({ msg: 'model call failed unexpectedly', error: String(error) });
    }
  } finally {
    request.signal.removeEventListener('abort', followCaller);
  }
  const text = echo ? echo.safeText : gate.safeText;
  const leak = gate.leaked ? 'canary' : echo?.leaked ? 'system-prompt' : null;
  const leakCut = leak !== null;
  const latencyMs = Math.round(performance.now() - started);
  const nothingGenerated = status === 'failed' && ttftMs === null;
  const promptTokens = nothingGenerated ? 0 : (reportedPrompt ?? request.promptTokensEstimate);
  const completionTokens = reportedCompletion ?? llm.countTokens(text);
  return {
    text,
    leakCut,
    leak,
    leakWords: echo?.leakedWords ?? 0,
    truncated: doneReason === 'length',
    status,
    failure,
    startedAt,
    completedAt: new Date(),
    usage: {
      promptTokens,
      completionTokens,
      totalTokens: promptTokens + completionTokens,
      costMicros: llm.price(request.model, promptTokens, completionTokens),
      latencyMs,
      ttftMs,
    },
  };
}
