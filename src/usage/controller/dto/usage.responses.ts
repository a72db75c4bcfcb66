import { ApiProperty } from '@nestjs/swagger';
import { UsageTotalsDto } from '../../../../libs/http/usage-totals.dto.js';

// OpenAPI schemas of what the usage routes answer (UsageReportService).

export class DayModelTotalsResponse extends UsageTotalsDto {
  @ApiProperty({ example: '2026-11-30', description: 'UTC day' }) day: string;
  @ApiProperty() model: string;
}

export class MonthTotalsResponse extends UsageTotalsDto {
  @ApiProperty({ example: '2026-11' }) month: string;
}

export class ModelTotalsResponse extends UsageTotalsDto {
  @ApiProperty() model: string;
}

export class UserTotalsResponse extends UsageTotalsDto {
  @ApiProperty({ format: 'uuid' }) userId: string;
}

export class DayTotalsResponse extends UsageTotalsDto {
  @ApiProperty({ example: '2026-11-30', description: 'UTC day' }) day: string;
}

export class UsageReportResponse {
  @ApiProperty({ example: '2026-11-01', description: 'first UTC day' }) from: string;
  @ApiProperty({ example: '2026-11-30', description: 'last UTC day' }) to: string;
  @ApiProperty({ type: [DayModelTotalsResponse], description: 'by day and model, oldest first' }) byDay: DayModelTotalsResponse[];
  @ApiProperty({ type: [MonthTotalsResponse] }) byMonth: MonthTotalsResponse[];
  @ApiProperty({ type: [ModelTotalsResponse] }) byModel: ModelTotalsResponse[];
}

export class AdminUsageReportResponse {
  @ApiProperty({ example: '2026-11-01' }) from: string;
  @ApiProperty({ example: '2026-11-30' }) to: string;
  @ApiProperty({ type: UsageTotalsDto, description: 'over the range and filters' }) totals: UsageTotalsDto;
  @ApiProperty({ type: [UserTotalsResponse] }) byUser: UserTotalsResponse[];
  @ApiProperty({ type: [ModelTotalsResponse] }) byModel: ModelTotalsResponse[];
  @ApiProperty({ type: [DayTotalsResponse] }) byDay: DayTotalsResponse[];
}
