import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Principal } from '../../../libs/auth/principal.js';
import { invalid, notFound } from '../../../libs/errors/domain-error.js';
import { IdentityFacade } from '../../identity/identity.facade.js';
import { LlmFacade } from '../../llm/llm.facade.js';
import { changeState, type Conversation, type ConversationState, type RequestableState } from '../domain/conversation.js';
import type { Message } from '../domain/message.js';
import { ConversationRepository } from '../repository/conversation.repository.js';

export interface NewConversation {
  title?: string;
  model?: string;
  systemPrompt?: string;
  metadata?: Record<string, unknown>;
}

export interface ConversationChanges {
  title?: string | null;
  systemPrompt?: string | null;
  state?: RequestableState;
}

export interface ListQuery {
  state?: ConversationState;
  model?: string;
  from?: Date;
  to?: Date;
  limit: number;
  cursor?: string;
}

@Injectable()
export class ConversationsService {
  constructor(
    private readonly conversations: ConversationRepository,
    private readonly llm: LlmFacade,
    private readonly identity: IdentityFacade,
  ) {}

  async create(principal: Principal, input: NewConversation): Promise<Conversation> {
    if (input.model !== undefined) this.identity.assertMayUseModel(principal, this.llm.resolveModel(input.model));
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
      limit: query.limit + 1,
      after,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return { conversations: page, nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null };
  }

  async update(principal: Principal, id: string, changes: ConversationChanges): Promise<Conversation> {
    let conversation = await this.get(principal, id);
    const now = new Date();
    if (changes.state !== undefined) conversation = changeState(conversation, changes.state, now);
    if (changes.title !== undefined) conversation = { ...conversation, title: changes.title, updatedAt: now };
    if (changes.systemPrompt !== undefined) conversation = { ...conversation, systemPrompt: changes.systemPrompt, updatedAt: now };
    await this.conversations.update(conversation);
    return conversation;
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
    if (leafId && !(await this.conversations.findMessage(id, leafId))) throw notFound('message');
    return { conversation, messages: await this.conversations.findBranch(leaf) };
  }

  async tree(principal: Principal, id: string): Promise<{ conversation: Conversation; messages: Message[] }> {
    const conversation = await this.get(principal, id);
    return { conversation, messages: await this.conversations.findTree(id) };
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
