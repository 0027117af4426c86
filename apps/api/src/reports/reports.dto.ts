import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ATTRIBUTIONS, MONTH_PATTERN, PERIOD_GRAINS, REGION_CODES, REPORT_BASES } from '@symbiose/domain';
import { IsBoolean, IsIn, IsString, Matches, MaxLength } from 'class-validator';
import { OptionalNotNull } from '../identity/dto/validation';

export const REPORT_FORMATS = ['json', 'csv', 'svg'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const oneOf = (values: readonly string[]) =>
  IsIn(values as string[], { message: `must be one of ${values.join(', ')}` });

/** Query of GET /reports/savings; cross-field rules (from ≤ to, ≤ 10 years, distinct keys) are the service's. */
export class SavingsQueryDto {
  @ApiProperty({ example: '2025-01', pattern: MONTH_PATTERN.source, description: 'First month' })
  @IsString({ message: 'must be a month YYYY-MM' })
  @Matches(MONTH_PATTERN, { message: 'must be a month YYYY-MM' })
  from: string;

  @ApiProperty({
    example: '2025-12',
    pattern: MONTH_PATTERN.source,
    description: 'Last month (inclusive), ≤ 10 years on',
  })
  @IsString({ message: 'must be a month YYYY-MM' })
  @Matches(MONTH_PATTERN, { message: 'must be a month YYYY-MM' })
  to: string;

  @ApiPropertyOptional({ enum: REPORT_BASES, default: 'realised' })
  @OptionalNotNull()
  @oneOf(REPORT_BASES)
  basis?: (typeof REPORT_BASES)[number];

  @ApiPropertyOptional({
    example: 'period,category',
    default: 'period',
    description: 'Comma-separated distinct keys of period, category, region (empty: one row, the total)',
  })
  @OptionalNotNull()
  @IsString({ message: 'must be a comma-separated list of period, category, region' })
  @MaxLength(60, { message: 'must be a comma-separated list of period, category, region' })
  groupBy?: string;

  @ApiPropertyOptional({ enum: PERIOD_GRAINS, default: 'month', description: 'Size of the period key' })
  @OptionalNotNull()
  @oneOf(PERIOD_GRAINS)
  period?: (typeof PERIOD_GRAINS)[number];

  @ApiPropertyOptional({
    enum: REGION_CODES,
    description:
      'Only this (attributed) region. Province users: their own region, the default (another is a 403)',
  })
  @OptionalNotNull()
  @oneOf(REGION_CODES)
  region?: string;

  @ApiPropertyOptional({
    enum: ATTRIBUTIONS,
    default: 'receiver',
    description: "Whose site's region a saving counts in: the receiver's (demand) or the supplier's",
  })
  @OptionalNotNull()
  @oneOf(ATTRIBUTIONS)
  attribution?: (typeof ATTRIBUTIONS)[number];

  @ApiPropertyOptional({ enum: REPORT_FORMATS, default: 'json' })
  @OptionalNotNull()
  @oneOf(REPORT_FORMATS)
  format?: ReportFormat;
}

class SavingsRowView {
  @ApiPropertyOptional({ example: '2025-01', description: "'YYYY-MM', 'YYYY-Qn' or 'YYYY'" }) period?: string;
  @ApiPropertyOptional({ example: 'heat' }) category?: string;
  @ApiPropertyOptional({ example: 'BE-VOV' }) region?: string;
  @ApiProperty({ nullable: true, type: Number }) energySavedMWh: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Net' }) co2AvoidedTonnes: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Distinct exchanges (matches)' }) exchanges:
    number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Distinct companies, both sides' }) companies:
    number | null;
  @ApiProperty({ description: 'Province users: no publishable cell (fewer than 3 companies); values null' })
  suppressed: boolean;
  @ApiProperty({ description: 'Province users: some cells were withheld; values are the publishable part' })
  partial: boolean;
}

class SavingsTotalsView {
  @ApiProperty({ nullable: true, type: Number }) energySavedMWh: number | null;
  @ApiProperty({ nullable: true, type: Number }) co2AvoidedTonnes: number | null;
  @ApiProperty({ nullable: true, type: Number }) exchanges: number | null;
  @ApiProperty({ nullable: true, type: Number }) companies: number | null;
  @ApiProperty() suppressed: boolean;
  @ApiProperty() partial: boolean;
}

class SavingsSectionView {
  @ApiProperty({ type: [SavingsRowView] }) rows: SavingsRowView[];
  @ApiProperty({ type: SavingsTotalsView }) totals: SavingsTotalsView;
}

class SuppressionView {
  @ApiProperty() applied: boolean;
  @ApiProperty({ example: 3 }) minCompanies: number;
  @ApiProperty() rule: string;
}

class PlanRefView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class SavingsReportResponse extends SavingsSectionView {
  @ApiProperty({ enum: REPORT_BASES }) basis: string;
  @ApiProperty({ example: '2025-01' }) from: string;
  @ApiProperty({ example: '2025-12' }) to: string;
  @ApiProperty({ enum: PERIOD_GRAINS }) period: string;
  @ApiProperty({ example: ['period'], type: [String] }) groupBy: string[];
  @ApiProperty({ enum: ATTRIBUTIONS }) attribution: string;
  @ApiProperty({ nullable: true, type: String, example: 'BE-VOV' }) region: string | null;
  @ApiPropertyOptional({ type: SavingsSectionView, description: 'realised: unverified deliveries, apart' })
  unverified?: SavingsSectionView;
  @ApiPropertyOptional({ type: PlanRefView, nullable: true, description: 'potential: the plan used' })
  plan?: PlanRefView | null;
  @ApiProperty({ type: SuppressionView }) suppression: SuppressionView;
}

export class SummaryCheckResponse {
  @ApiProperty({ example: '42' }) id: string;
  @ApiProperty({ enum: ['schedule', 'request'] }) trigger: string;
  @ApiProperty({ enum: ['queued', 'running', 'ok', 'drift', 'failed'] }) status: string;
  @ApiProperty() repair: boolean;
  @ApiProperty() repaired: boolean;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Rows differing per summary table',
  })
  drift: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty({ format: 'date-time' }) startedAt: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) finishedAt: string | null;
}

export class RequestSummaryCheckDto {
  @ApiPropertyOptional({
    default: true,
    description: 'Make the live tables equal the rebuild when they differ',
  })
  @OptionalNotNull()
  @IsBoolean({ message: 'must be true or false' })
  repair?: boolean;
}
