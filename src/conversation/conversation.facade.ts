import { Injectable } from '@nestjs/common';
import type { Principal } from '../../libs/auth/principal.js';
import { SendMessageService, type SendMessageInput, type TurnListener, type TurnResult } from './service/send-message.service.js';

export type { SendMessageInput, TurnListener, TurnResult };

/** The conversation context's public face: run a turn on behalf of another context (e.g. an OpenAI-compatible route). */
@Injectable()
export class ConversationFacade {
  constructor(private readonly turns: SendMessageService) {}

  sendMessage(principal: Principal, conversationId: string, input: SendMessageInput, context: { signal: AbortSignal; traceId: string; listener?: TurnListener }): Promise<TurnResult> {
    return this.turns.send(principal, conversationId, input, context);
  }
}
