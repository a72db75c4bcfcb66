import { Injectable } from '@nestjs/common';
import type { Principal } from '../../../libs/auth/principal.js';
import { DomainError, notFound } from '../../../libs/errors/domain-error.js';
import { LlmFacade, type ModelSpec } from '../../llm/llm.facade.js';
import { PROMPT_OVERHEAD_TOKENS, fitContext, messageCost, type BuiltContext } from '../domain/context-window.js';
import type { Conversation } from '../domain/conversation.js';
import { countsAsHistory, draftMessage, type Message } from '../domain/message.js';
import { canaryLine, newCanary } from '../domain/canary.js';
import { PromptFingerprint } from '../domain/prompt-echo.js';
import { SPOTLIGHTING_INSTRUCTIONS, spotlight, type SpotlightingRecord } from '../domain/spotlighting.js';
import { JSON_CONTROL_INSTRUCTION, composeSystemPrompt, type ComposedSystemPrompt, type SystemLayer } from '../domain/system-prompt.js';
import { MessageRepository } from '../repository/message.repository.js';
import { SystemPromptCatalog } from '../repository/system-prompt.file.js';
import { SummaryQueue } from './summary.worker.js';

/** Tokens kept free in the window for the answer: a quarter of it, at most 2048. */
export const answerReserve = (window: number): number => Math.min(2048, Math.floor(window / 4));

/** What the prompt may use of a window: the rest. */
const budgetOf = (window: number): number => window - answerReserve(window);

export interface ContextRequest {
  principal: Principal;
  conversation: Conversation;
  model: ModelSpec;
  /** The message the answer continues from, already stored (null for the first message). */
  parentId: string | null;
  /** The newest part of the branch ending at the parent, root first, when the caller read it already (see budgets). */
  walked?: Message[];
  /** Makes this turn's user message, not stored yet, as a child of the parent (absent when regenerating). */
  newMessage?: (parent: Message | null) => Message;
  requestSystemPrompt?: string;
  format?: 'json';
}

export interface TurnPrompt extends BuiltContext {
  window: number;
  systemLayers: SystemLayer[];
  /** Opens the system turn; an answer that repeats it is cut there. */
  canary: string;
  /** The system layers' words (not the canary line): an answer that reproduces a long run of them is cut there. */
  systemFingerprint: PromptFingerprint | null;
  /** Pasted material marked as data in the prompt (the plan's spotlighting), or null. */
  spotlighting: SpotlightingRecord | null;
}

export interface BuiltTurn {
  prompt: TurnPrompt;
  /** The stored message the turn continues from. */
  parent: Message | null;
  newMessage: Message | null;
}

/** The token budget of each model on a plan, for the branch walk that opens a turn (see MessageRepository.openTurn). */
export interface PlanBudgets {
  /** {model id: budget} as JSON text. */
  byModel: string;
  defaultModel: string;
  /** A model the catalogue does not know (the turn fails on it later anyway). */
  fallback: number;
}

const spotlightingOn = (principal: Principal): boolean => principal.plan.spotlighting !== undefined && principal.plan.spotlighting !== 'off';

/** How a `tool` message of the OpenAI-compatible route opens the user turn it becomes. */
export const TOOL_OUTPUT_HEADING = 'Tool output:';

/** Token counts of system prompts by text: the layers repeat on every turn of a plan and model. */
const MAX_CACHED_PROMPTS = 1000;

/**
 * Builds what is sent to the model: the layered system prompt, then the summary of what fell out of
 * the window (if any), then the newest messages of the branch that fit. Reads only as much of the
 * branch as the token budget needs.
 */
@Injectable()
export class ContextBuilder {
  private readonly budgets = new Map<string, PlanBudgets>();
  private readonly promptTokens = new Map<string, number>();
  private readonly fingerprints = new Map<string, PromptFingerprint>();

  constructor(
    private readonly messages: MessageRepository,
    private readonly llm: LlmFacade,
    private readonly prompts: SystemPromptCatalog,
    private readonly summaries: SummaryQueue,
  ) {}

  /** Each model's budget on the caller's plan (the same for everyone on it: computed once). */
  budgetsFor(principal: Principal): PlanBudgets {
    const plan = principal.plan;
    let budgets = this.budgets.get(plan.id);
    if (!budgets) {
      const byModel = Object.fromEntries(this.llm.models().map((model) => [model.id, budgetOf(Math.min(model.contextWindow ?? 4096, plan.maxContextTokens))]));
      budgets = { byModel: JSON.stringify(byModel), defaultModel: this.llm.resolveModel(null).id, fallback: budgetOf(Math.min(4096, plan.maxContextTokens)) };
      this.budgets.set(plan.id, budgets);
    }
    return budgets;
  }

  /** The prompt of a turn; NOT_FOUND when the parent is not a message of the conversation. */
  async build(request: ContextRequest): Promise<BuiltTurn> {
    const { principal, conversation, model } = request;
    const window = Math.min(model.contextWindow ?? 4096, principal.plan.maxContextTokens);
    const budget = budgetOf(window);
    const composed = this.compose(principal, model, conversation.systemPrompt, request.requestSystemPrompt, request.format);
    const canary = newCanary();
    const system = await this.systemTurnAsync(composed, canary);
    const walked = request.walked ?? (request.parentId ? await this.messages.walkBranchWithinBudget(conversation.id, request.parentId, budget) : []);
    const parent = walked.at(-1) ?? null;
    if (request.parentId && parent?.id !== request.parentId) throw notFound('parent message');
    const newMessage = request.newMessage?.(parent) ?? null;
    const branch = [...walked.filter(countsAsHistory), ...(newMessage ? [newMessage] : [])];

    let built = fitContext(system, null, branch, budget);
    const firstLeftOut = this.firstLeftOut(built, branch, walked);
    if (firstLeftOut && principal.plan.summaries) {
      const summary = await this.messages.findSummaryCovering(firstLeftOut);
      if (summary) built = fitContext(system, summary, branch, budget);
      if (!summary || summary.distance > 0) this.summaries.request(conversation.id, firstLeftOut, model.id);
    }
    const spotlit = spotlightingOn(principal) ? await this.spotlight(built, principal) : null;
    if (spotlit) built = spotlit.built;
    this.assertFits(built.tokens, budget, window, principal, model);
    return { prompt: { ...built, window, systemLayers: composed?.applied ?? [], canary, systemFingerprint: this.fingerprintOf(composed), spotlighting: spotlit?.record ?? null }, parent, newMessage };
  }

  /**
   * A context for a conversation the client keeps itself (the OpenAI-compatible route): gus's layers,
   * the client's system messages as the request layer, then the newest of its messages that fit. Messages
   * are counted newest first and only until the window is full: what a client sends beyond it costs nothing.
   * `included` is how many of the newest history messages the prompt holds.
   */
  async buildStateless(request: {
    principal: Principal;
    model: ModelSpec;
    requestSystemPrompt?: string;
    /** A `tool` message (tool output a client pasted back) reaches the model as a user turn of pasted material. */
    history: Array<{ role: 'user' | 'assistant' | 'tool'; content: string }>;
    format?: 'json';
  }): Promise<TurnPrompt & { included: number; newestTokens: number }> {
    const { principal, model } = request;
    // Tool output becomes a user turn (a copy of the history only when there is some).
    const history = request.history.some((message) => message.role === 'tool')
      ? request.history.map((message) => (message.role === 'tool' ? { role: 'user' as const, content: `${TOOL_OUTPUT_HEADING}\n${message.content}` } : { role: message.role, content: message.content }))
      : (request.history as Array<{ role: 'user' | 'assistant'; content: string }>);
    const window = Math.min(model.contextWindow ?? 4096, principal.plan.maxContextTokens);
    const budget = budgetOf(window);
    const composed = this.compose(principal, model, null, request.requestSystemPrompt, request.format);
    const canary = newCanary();
    const system = await this.systemTurnAsync(composed, canary);
    // Newest first, until even the cheapest fit is over the budget (the newest message is always kept).
    let cost = PROMPT_OVERHEAD_TOKENS + (system ? messageCost(system.tokens) : 0);
    const counted: number[] = [];
    let from = history.length;
    while (from > 0) {
      const tokens = await this.llm.countTokensAsync(history[from - 1]!.content);
      if (from < history.length && cost + messageCost(tokens) > budget) break;
      cost += messageCost(tokens);
      from--;
      counted[from] = tokens;
    }
    let parent: Message | null = null;
    const branch = history.slice(from).map((message, index) => {
      const draft = draftMessage(`request-${from + index}`, '', parent, { role: message.role, content: message.content, tokenCount: counted[from + index]!, traceId: null });
      parent = draft;
      return draft;
    });
    let built = fitContext(system, null, branch, budget);
    let spotlit: { built: BuiltContext; record: SpotlightingRecord | null } | null = null;
    if (spotlightingOn(principal)) {
      // Which prompt messages are tool output (material whole): the kept messages are the newest of the branch.
      const toolTurns = new Set<number>();
      const firstKept = built.messages.length - (branch.length - built.leftOut);
      for (let i = firstKept; i < built.messages.length; i++) if (request.history[from + built.leftOut + i - firstKept]!.role === 'tool') toolTurns.add(i);
      spotlit = await this.spotlight(built, principal, toolTurns);
      built = spotlit.built;
    }
    this.assertFits(built.tokens, budget, window, principal, model);
    return { ...built, leftOut: built.leftOut + from, includedIds: [], window, systemLayers: composed?.applied ?? [], canary, systemFingerprint: this.fingerprintOf(composed), spotlighting: spotlit?.record ?? null, included: branch.length - built.leftOut, newestTokens: counted[history.length - 1] ?? 0 };
  }

  /** systemTurn for layers a client may have written at length (counted without holding the event loop). */
  private async systemTurnAsync(composed: ComposedSystemPrompt | null, canary: string): Promise<{ content: string; tokens: number } | null> {
    if (composed && !this.promptTokens.has(composed.content)) this.rememberPromptTokens(composed.content, await this.llm.countTokensAsync(composed.content));
    return this.systemTurn(composed, canary);
  }

  /**
   * The system turn: the canary first (see domain/canary.ts), then the layers. Its tokens are the canary
   * line's plus the layers' (LLaMA 3 splits words at that newline, and the layers start with no space), so
   * the layers, which repeat on every turn, are counted once.
   */
  private systemTurn(composed: ComposedSystemPrompt | null, canary: string): { content: string; tokens: number } | null {
    if (!composed) return null;
    const head = `${canaryLine(canary)}\n`;
    let layers = this.promptTokens.get(composed.content);
    if (layers === undefined) layers = this.rememberPromptTokens(composed.content, this.llm.countTokens(composed.content));
    return { content: head + composed.content, tokens: this.llm.countTokens(head) + layers };
  }

  /**
   * The plan's spotlighting: pasted material in the prompt's user messages marked as data (domain/spotlighting.ts).
   * Only messages that hold some are changed, and only they are counted again.
   */
  private async spotlight(built: BuiltContext, principal: Principal, toolTurns?: ReadonlySet<number>): Promise<{ built: BuiltContext; record: SpotlightingRecord | null }> {
    const mode = principal.plan.spotlighting;
    if (mode === undefined || mode === 'off') return { built, record: null }; // callers check spotlightingOn first
    const record: SpotlightingRecord = { mode, messages: 0, parts: 0, chars: 0 };
    let tokens = built.tokens;
    const messages = [];
    for (const [index, message] of built.messages.entries()) {
      const whole = toolTurns?.has(index) ? [{ start: TOOL_OUTPUT_HEADING.length + 1, end: message.content.length }] : undefined;
      const marked = message.role === 'user' ? spotlight(message.content, mode, whole) : null;
      if (!marked) {
        messages.push(message);
        continue;
      }
      tokens += (await this.llm.countTokensAsync(marked.content)) - (await this.llm.countTokensAsync(message.content));
      record.messages++;
      record.parts += marked.parts;
      record.chars += marked.chars;
      messages.push({ ...message, content: marked.content });
    }
    return record.messages === 0 ? { built, record: null } : { built: { ...built, messages, tokens }, record };
  }

  /** The layers repeat on every turn of a plan and model: each text is read into a fingerprint once. */
  private fingerprintOf(composed: ComposedSystemPrompt | null): PromptFingerprint | null {
    if (!composed) return null;
    let fingerprint = this.fingerprints.get(composed.content);
    if (!fingerprint) {
      if (this.fingerprints.size >= MAX_CACHED_PROMPTS) this.fingerprints.clear();
      fingerprint = new PromptFingerprint(composed.content);
      this.fingerprints.set(composed.content, fingerprint);
    }
    return fingerprint;
  }

  private rememberPromptTokens(content: string, tokens: number): number {
    if (this.promptTokens.size >= MAX_CACHED_PROMPTS) this.promptTokens.clear();
    this.promptTokens.set(content, tokens);
    return tokens;
  }

  private compose(principal: Principal, model: ModelSpec, conversationPrompt: string | null, requestPrompt: string | undefined, format: 'json' | undefined) {
    return composeSystemPrompt({
      global: this.prompts.global,
      model: this.prompts.forModel(model.id),
      plan: principal.plan.systemPrompt,
      conversation: conversationPrompt,
      request: requestPrompt,
      control: format === 'json' ? JSON_CONTROL_INSTRUCTION : null,
      spotlighting: spotlightingOn(principal) ? SPOTLIGHTING_INSTRUCTIONS[principal.plan.spotlighting as 'delimit' | 'datamark'] : null,
    });
  }

  private assertFits(tokens: number, budget: number, window: number, principal: Principal, model: ModelSpec): void {
    if (tokens <= budget) return;
    throw new DomainError(
      'MESSAGE_TOO_LONG',
      `the message needs ${tokens} tokens with the system prompt; ${model.id} on the ${principal.plan.id} plan allows ${budget} (a ${window}-token window less ${window - budget} for the answer)`,
    );
  }

  /** The newest branch message that is not in the context, when any is out. */
  private firstLeftOut(built: BuiltContext, branch: Message[], walked: Message[]): string | null {
    if (built.leftOut > 0) return branch[built.leftOut - 1]!.id;
    return walked[0]?.parentId ?? null; // the walk stopped before the root
  }
}
