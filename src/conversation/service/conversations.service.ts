import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Principal } from '../../../libs/auth/principal.js';
import { invalid, notFound } from '../../../libs/errors/domain-error.js';
import { IdentityFacade } from '../../identity/identity.facade.js';
import { LlmFacade } from '../../llm/llm.facade.js';
import { ModerationFacade } from '../../moderation/moderation.facade.js';
import { assertEditable, changeState, type Conversation, type ConversationState, type RequestableState, type StateChange } from '../domain/conversation.js';
import type { Message } from '../domain/message.js';
import { ConversationRepository } from '../repository/conversation.repository.js';
import { MessageRepository } from '../repository/message.repository.js';

export interface NewConversation {
  title?: string;
  model?: string;
  systemPrompt?: string;
  metadata?: Record<string, unknown>;
  temporary?: boolean;
}

export interface ConversationChanges {
  title?: string | null;
  systemPrompt?: string | null;
  state?: RequestableState;
  /** Makes the branch ending at this message the conversation's current one. */
  currentLeafId?: string;
}

export interface ListQuery {
  state?: ConversationState;
  model?: string;
  from?: Date;
  to?: Date;
  q?: string;
  limit: number;
  cursor?: string;
}

@Injectable()
export class ConversationsService {
  constructor(
    private readonly conversations: ConversationRepository,
    private readonly messages: MessageRepository,
    private readonly llm: LlmFacade,
    private readonly identity: IdentityFacade,
    private readonly moderation: ModerationFacade,
  ) {}

  async create(principal: Principal, input: NewConversation): Promise<Conversation> {
    if (input.model !== undefined) this.identity.assertMayUseModel(principal, this.llm.resolveModel(input.model));
    if (input.systemPrompt) await this.moderation.validateSystemPrompt(principal, input.systemPrompt);
    const now = new Date();
    const conversation: Conversation = {
      id: randomUUID(),
      userId: principal.userId,
      title: input.title ?? null,
      model: input.model ?? null,
      systemPrompt: input.systemPrompt ?? null,
      metadata: input.metadata ?? {},
      state: 'active',
      stateChangedAt: now,
      currentLeafId: null,
      messageCount: 0,
      createdAt: now,
      updatedAt: now,
      lastMessageAt: null,
      forkedFromConversationId: null,
      forkedFromMessageId: null,
      temporary: input.temporary ?? false,
    };
    await this.conversations.insert(conversation);
    return conversation;
  }

  /** The caller's conversation, or NOT_FOUND — also when it is someone else's. */
  async get(principal: Principal, id: string): Promise<Conversation> {
    const conversation = await this.conversations.findOwned(id, principal.userId);
    if (!conversation) throw notFound('conversation');
    return conversation;
  }

  async list(principal: Principal, query: ListQuery): Promise<{ conversations: Conversation[]; nextCursor: string | null }> {
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const states: ConversationState[] = query.state ? [query.state] : ['active', 'inactive', 'paused'];
    const rows = await this.conversations.list({
      userId: principal.userId,
      states,
      model: query.model,
      createdFrom: query.from,
      createdTo: query.to,
      q: query.q,
      limit: query.limit + 1,
      after,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return { conversations: page, nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null };
  }

  /** Title, system prompt, current branch and state; an archived conversation only accepts un-archiving. */
  async update(principal: Principal, id: string, changes: ConversationChanges): Promise<Conversation> {
    let conversation = await this.get(principal, id);
    if (changes.systemPrompt) await this.moderation.validateSystemPrompt(principal, changes.systemPrompt);
    const now = new Date();
    let change: StateChange | null = null;
    if (changes.state !== undefined) ({ conversation, change } = changeState(conversation, changes.state, now));
    const edits = changes.title !== undefined || changes.systemPrompt !== undefined || changes.currentLeafId !== undefined;
    if (edits) assertEditable(conversation);
    if (changes.title !== undefined) conversation = { ...conversation, title: changes.title, updatedAt: now };
    if (changes.systemPrompt !== undefined) conversation = { ...conversation, systemPrompt: changes.systemPrompt, updatedAt: now };
    if (changes.currentLeafId !== undefined) {
      if (!(await this.messages.findMessage(id, changes.currentLeafId))) throw notFound('message');
      conversation = { ...conversation, currentLeafId: changes.currentLeafId, updatedAt: now };
    }
    await this.conversations.saveEdit(conversation, change);
    return conversation;
  }

  stateChanges(conversationId: string): Promise<StateChange[]> {
    return this.conversations.stateChanges(conversationId);
  }

  /** A new conversation holding copies of the path root → `messageId`, recording where it came from. */
  async fork(principal: Principal, id: string, messageId: string): Promise<Conversation> {
    const source = await this.get(principal, id);
    if (!(await this.messages.findMessage(id, messageId))) throw notFound('message');
    const now = new Date();
    const fork: Conversation = {
      ...source,
      id: randomUUID(),
      title: source.title ? `${source.title} (fork)` : null,
      state: 'active',
      stateChangedAt: now,
      currentLeafId: null,
      messageCount: 0,
      createdAt: now,
      updatedAt: now,
      lastMessageAt: now,
      forkedFromConversationId: source.id,
      forkedFromMessageId: messageId,
    };
    const copied = await this.conversations.transaction(async (tx) => {
      await this.conversations.insert(fork, tx);
      return this.messages.copyPath(tx, source.id, messageId, fork.id);
    });
    return { ...fork, currentLeafId: copied.leafId, messageCount: copied.count };
  }

  async delete(principal: Principal, id: string): Promise<void> {
    await this.get(principal, id);
    await this.conversations.delete(id);
  }

  /** The branch from the root to `leafId`, or to the conversation's current leaf. */
  async branch(principal: Principal, id: string, leafId?: string): Promise<{ conversation: Conversation; messages: Message[] }> {
    const conversation = await this.get(principal, id);
    const leaf = leafId ?? conversation.currentLeafId;
    if (!leaf) return { conversation, messages: [] };
    if (leafId && !(await this.messages.findMessage(id, leafId))) throw notFound('message');
    return { conversation, messages: await this.messages.findBranch(leaf) };
  }

  async tree(principal: Principal, id: string): Promise<{ conversation: Conversation; messages: Message[] }> {
    const conversation = await this.get(principal, id);
    return { conversation, messages: await this.messages.findTree(id) };
  }
}

function encodeCursor(conversation: Conversation): string {
  return Buffer.from(`${conversation.updatedAt.toISOString()}|${conversation.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { updatedAt: Date; id: string } {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const updatedAt = new Date(iso ?? '');
  if (!id || !/^[0-9a-f-]{36}$/i.test(id) || Number.isNaN(updatedAt.getTime())) throw invalid('cursor is malformed');
  return { updatedAt, id };
}
