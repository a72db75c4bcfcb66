import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('conversations')
export class ConversationEntity {
  @PrimaryColumn('uuid') id: string;
  @Column({ name: 'user_id', type: 'uuid' }) userId: string;
  @Column({ type: 'text', nullable: true }) title: string | null;
  @Column({ type: 'text', nullable: true }) model: string | null;
  @Column({ name: 'system_prompt', type: 'text', nullable: true }) systemPrompt: string | null;
  @Column({ type: 'jsonb' }) metadata: object;
  @Column({ type: 'text' }) state: string;
  @Column({ name: 'state_changed_at', type: 'timestamptz' }) stateChangedAt: Date;
  @Column({ name: 'current_leaf_id', type: 'uuid', nullable: true }) currentLeafId: string | null;
  @Column({ name: 'message_count', type: 'integer' }) messageCount: number;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @Column({ name: 'last_message_at', type: 'timestamptz', nullable: true }) lastMessageAt: Date | null;
  @Column({ name: 'forked_from_conversation_id', type: 'uuid', nullable: true }) forkedFromConversationId: string | null;
  @Column({ name: 'forked_from_message_id', type: 'uuid', nullable: true }) forkedFromMessageId: string | null;
  @Column({ type: 'boolean' }) temporary: boolean;
}
