import { ApiProperty } from '@nestjs/swagger';

// OpenAPI schema of what GET /v1/admin/flags answers.

export class FlagResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid', description: 'a pseudonym once the user is erased' }) userId: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) conversationId: string | null;
  @ApiProperty({ example: 'repeated_message', description: 'repeated_message, near_duplicate_message, bot_timing, prompt_injection, prompt_injection_blocked, forbidden_content, repeated_violations, system_prompt_leak, suspension' })
  kind: string;
  @ApiProperty({ type: 'integer', minimum: 0, maximum: 10 }) severity: number;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'what triggered the flag (scores, counts, excerpts)' }) evidence: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class FlagPageResponse {
  @ApiProperty({ type: [FlagResponse], description: 'newest first' }) data: FlagResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}
