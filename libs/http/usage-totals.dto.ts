import { ApiProperty } from '@nestjs/swagger';

/** The totals every usage answer shares (/v1/me, /v1/usage, /v1/admin/usage): the billed turns and what they cost. */
export class UsageTotalsDto {
  @ApiProperty({ type: 'integer' }) turns: number;
  @ApiProperty({ type: 'integer' }) promptTokens: number;
  @ApiProperty({ type: 'integer' }) completionTokens: number;
  @ApiProperty({ type: 'integer' }) totalTokens: number;
  @ApiProperty({ type: 'integer', description: 'millionths of the price unit' }) costMicros: number;
}
