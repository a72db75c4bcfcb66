import { ApiProperty } from '@nestjs/swagger';

// OpenAPI schemas of POST /v1/chat/completions: OpenAI's chat.completion object (toCompletionResponse).

export class ChatCompletionMessageResponse {
  @ApiProperty({ enum: ['assistant'] }) role: string;
  @ApiProperty() content: string;
}

export class ChatCompletionChoiceResponse {
  @ApiProperty({ type: 'integer', example: 0 }) index: number;
  @ApiProperty({ type: ChatCompletionMessageResponse }) message: ChatCompletionMessageResponse;
  @ApiProperty({ example: 'stop', description: 'stop, length, ...' }) finish_reason: string;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'always null' }) logprobs: null;
}

export class ChatCompletionUsageResponse {
  @ApiProperty({ type: 'integer' }) prompt_tokens: number;
  @ApiProperty({ type: 'integer' }) completion_tokens: number;
  @ApiProperty({ type: 'integer' }) total_tokens: number;
}

export class ChatCompletionResponse {
  @ApiProperty({ example: 'chatcmpl-…' }) id: string;
  @ApiProperty({ example: 'chat.completion' }) object: string;
  @ApiProperty({ type: 'integer', description: 'Unix seconds' }) created: number;
  @ApiProperty() model: string;
  @ApiProperty({ type: [ChatCompletionChoiceResponse] }) choices: ChatCompletionChoiceResponse[];
  @ApiProperty({ type: ChatCompletionUsageResponse }) usage: ChatCompletionUsageResponse;
}
