export type MessageRole = 'system' | 'user' | 'assistant';
export type MessageStatus = 'complete' | 'failed' | 'interrupted';

/** What an assistant message's prompt held, so the context can be audited and rebuilt. */
export interface TurnContext {
  /** The oldest branch message included (the newest is the parent). */
  fromMessageId: string | null;
  messageCount: number;
  tokens: number;
  /** Branch messages that did not fit in the window. */
  leftOut: number;
  /** The window the context was fitted to (sent to the model as num_ctx). */
  window: number;
  summaryId: string | null;
  systemLayers: string[];
  format: 'json' | null;
  /** For format json: whether the answer was one JSON object. */
  formatValid: boolean | null;
  /** The checks the user message passed (null when an answer was regenerated). */
  validation?: {
    checks: string[];
    injectionScore: number;
    flagged: boolean;
    /** The plan's guard model, when it judged the message: its verdict, how long it took, what the turn did. */
    guard?: { model: string; verdict: 'safe' | 'unsafe' | 'error' | 'timeout'; latencyMs: number; categories: string[]; outcome: 'allowed' | 'flagged' | 'blocked' };
  } | null;
  /** The token limit the answer was given (the room reserved for it, or the client's smaller one). */
  maxTokens?: number;
  /** Why the answer ended: stop, length (its token limit) or content_filter (cut before repeating the system prompt). */
  finishReason?: 'stop' | 'length' | 'content_filter';
  /** Set when the answer was cut: by its canary, or because it reproduced a long run of the system prompt. */
  leak?: 'canary' | 'system-prompt';
  /** Pasted material marked as data in the prompt (the plan's spotlighting): how, and how much. */
  spotlighting?: { mode: 'delimit' | 'datamark'; messages: number; parts: number; chars: number } | null;
}

/** A node of the conversation tree. Assistant messages carry what their model call cost and how long it took. */
export interface Message {
  id: string;
  conversationId: string;
  parentId: string | null;
  role: MessageRole;
  content: string;
  status: MessageStatus;
  /** Distance from the root (0 for the first message): lets a branch be walked by an index. */
  depth: number;
  /** Tokens of content, counted once when the message is written. */
  tokenCount: number;
  model: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
  latencyMs: number | null;
  ttftMs: number | null;
  costMicros: number | null;
  errorCode: string | null;
  traceId: string | null;
  context: TurnContext | null;
  /** Sent: when gus received the user message, or started the model call. */
  createdAt: Date;
  /** Received: when the message was complete (or failed, or was interrupted). */
  completedAt: Date | null;
}

/** A new message under `parent` (a root without one), not stored yet; the measurements come later, for answers. */
export function draftMessage(
  id: string,
  conversationId: string,
  parent: Pick<Message, 'id' | 'depth'> | null,
  fields: Pick<Message, 'role' | 'content' | 'tokenCount' | 'traceId'>,
  at = new Date(),
): Message {
  return {
    id,
    conversationId,
    parentId: parent?.id ?? null,
    depth: parent ? parent.depth + 1 : 0,
    status: 'complete',
    model: null,
    promptTokens: null,
    completionTokens: null,
    latencyMs: null,
    ttftMs: null,
    costMicros: null,
    errorCode: null,
    context: null,
    createdAt: at,
    completedAt: at,
    ...fields,
  };
}

/** Whether a message belongs in the context sent to the model: failed attempts do not. */
export function countsAsHistory(message: Message): boolean {
  return message.status !== 'failed' && message.content.length > 0;
}
