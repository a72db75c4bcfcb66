import { ApiProperty } from '@nestjs/swagger';

// OpenAPI schema of what GET /v1/models answers: OpenAI's list shape plus gus's own fields.

export class ModelResponse {
  @ApiProperty({ example: 'llama3.2:1b' }) id: string;
  @ApiProperty({ example: 'model' }) object: string;
  @ApiProperty({ type: 'integer', description: 'Unix seconds' }) created: number;
  @ApiProperty({ example: 'ollama' }) owned_by: string;
  @ApiProperty({ enum: ['standard', 'premium'] }) tier: string;
  @ApiProperty({ type: 'integer', nullable: true, description: 'tokens; null when unknown' }) contextWindow: number | null;
  @ApiProperty() pricePerMillionInput: number;
  @ApiProperty() pricePerMillionOutput: number;
  @ApiProperty({ description: "whether the caller's plan may use the model" }) allowed: boolean;
}

export class ModelListResponse {
  @ApiProperty({ example: 'list' }) object: string;
  @ApiProperty({ type: [ModelResponse] }) data: ModelResponse[];
}
