import { Injectable } from '@nestjs/common';
import type { Principal } from '../../../libs/auth/principal.js';
import { DomainError } from '../../../libs/errors/domain-error.js';
import { LlmFacade, type ModelSpec } from '../../llm/llm.facade.js';
import { fitContext, type BuiltContext } from '../domain/context-window.js';
import type { Conversation } from '../domain/conversation.js';
import { countsAsHistory, type Message } from '../domain/message.js';
import { JSON_CONTROL_INSTRUCTION, composeSystemPrompt, type SystemLayer } from '../domain/system-prompt.js';
import { MessageRepository } from '../repository/message.repository.js';
import { SystemPromptCatalog } from '../repository/system-prompt.file.js';
import { SummaryQueue } from './summary.worker.js';

/** Tokens kept free in the window for the answer: a quarter of it, at most 2048. */
export const answerReserve = (window: number): number => Math.min(2048, Math.floor(window / 4));

export interface ContextRequest {
  principal: Principal;
  conversation: Conversation;
  model: ModelSpec;
  /** The message the answer continues from, already stored (null for the first message). */
  parentId: string | null;
  /** The user message of this turn, not stored yet (null when regenerating an answer). */
  newMessage: Message | null;
  requestSystemPrompt?: string;
  format?: 'json';
}

export interface TurnPrompt extends BuiltContext {
  window: number;
  systemLayers: SystemLayer[];
}

/**
 * Builds what is sent to the model: the layered system prompt, then the summary of what fell out of
 * the window (if any), then the newest messages of the branch that fit. Reads only as much of the
 * branch as the token budget needs.
 */
@Injectable()
export class ContextBuilder {
  constructor(
    private readonly messages: MessageRepository,
    private readonly llm: LlmFacade,
    private readonly prompts: SystemPromptCatalog,
    private readonly summaries: SummaryQueue,
  ) {}

  async build(request: ContextRequest): Promise<TurnPrompt> {
    const { principal, conversation, model } = request;
    const window = Math.min(model.contextWindow ?? 4096, principal.plan.maxContextTokens);
    const budget = window - answerReserve(window);
    const composed = composeSystemPrompt({
      global: this.prompts.global,
      model: this.prompts.forModel(model.id),
      plan: principal.plan.systemPrompt,
      conversation: conversation.systemPrompt,
      request: request.requestSystemPrompt,
      control: request.format === 'json' ? JSON_CONTROL_INSTRUCTION : null,
    });
    const system = composed ? { content: composed.content, tokens: this.llm.countTokens(composed.content) } : null;
    const walked = request.parentId ? await this.messages.walkBranchWithinBudget(request.parentId, budget) : [];
    const branch = [...walked.filter(countsAsHistory), ...(request.newMessage ? [request.newMessage] : [])];

    let built = fitContext(system, null, branch, budget);
    const firstLeftOut = this.firstLeftOut(built, branch, walked);
    if (firstLeftOut && principal.plan.summaries) {
      const summary = await this.messages.findSummaryCovering(firstLeftOut);
      if (summary) built = fitContext(system, summary, branch, budget);
      if (!summary || summary.distance > 0) this.summaries.request(conversation.id, firstLeftOut, model.id);
    }
    if (built.tokens > budget) {
      throw new DomainError(
        'MESSAGE_TOO_LONG',
        `the message needs ${built.tokens} tokens with the system prompt; ${model.id} on the ${principal.plan.id} plan allows ${budget} (a ${window}-token window less ${window - budget} for the answer)`,
      );
    }
    return { ...built, window, systemLayers: composed?.applied ?? [] };
  }

  /** The newest branch message that is not in the context, when any is out. */
  private firstLeftOut(built: BuiltContext, branch: Message[], walked: Message[]): string | null {
    if (built.leftOut > 0) return branch[built.leftOut - 1]!.id;
    return walked[0]?.parentId ?? null; // the walk stopped before the root
  }
}
