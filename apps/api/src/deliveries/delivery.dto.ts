import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ALL_DELIVERY_UNITS, MONTH_PATTERN } from '@symbiose/domain';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsNumber,
  IsObject,
  IsPositive,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { PageMeta } from '../identity/dto/common.dto';
import { OptionalNullable } from '../identity/dto/validation';

const FINITE = { allowNaN: false, allowInfinity: false } as const;
/** Far beyond any plant's month; the per-match plausibility bound (a 400 naming quantity.amount) is the real check. */
const AMOUNT_MAX = 1e12;
const UNITS_DESCRIPTION =
  "A month's total: heat MWh, GWh, GJ or TJ; co2, hydrogen and material t or kt; water m3 (of the match's category)";

abstract class QuantityFields {
  @ApiProperty({ enum: ALL_DELIVERY_UNITS, description: UNITS_DESCRIPTION })
  @IsIn(ALL_DELIVERY_UNITS as string[], { message: `must be one of ${ALL_DELIVERY_UNITS.join(', ')}` })
  unit: string;
}

export class DeliveryQuantityDto extends QuantityFields {
  @ApiProperty({
    example: 2400,
    exclusiveMinimum: true,
    minimum: 0,
    description: 'Delivered in the month, in `unit`',
  })
  @IsNumber(FINITE, { message: 'must be a number' })
  @IsPositive({ message: 'must be greater than 0' })
  @Max(AMOUNT_MAX, { message: `must be at most ${AMOUNT_MAX}` })
  amount: number;
}

export class CorrectedQuantityDto extends QuantityFields {
  @ApiProperty({
    example: 2350,
    minimum: 0,
    description: 'The corrected month total (0 if nothing was delivered)',
  })
  @IsNumber(FINITE, { message: 'must be a number' })
  @Min(0, { message: 'must be at least 0' })
  @Max(AMOUNT_MAX, { message: `must be at most ${AMOUNT_MAX}` })
  amount: number;
}

const Note = () =>
  applyDecorators(
    ApiPropertyOptional({ maxLength: 1000, nullable: true, type: String }),
    OptionalNullable(),
    IsString({ message: 'must be a string' }),
    MaxLength(1000, { message: 'must be at most 1000 characters long' }),
    // eslint-disable-next-line no-control-regex -- Postgres text cannot hold NUL, so reject it as a 400
    Matches(/^[^\u0000]*$/, { message: 'must not contain NUL characters' }),
  );

export class RecordDeliveryDto {
  @ApiProperty({
    example: '2026-01',
    pattern: MONTH_PATTERN.source,
    description: 'The month delivered (not in the future)',
  })
  @IsString({ message: 'must be a month YYYY-MM' })
  @Matches(MONTH_PATTERN, { message: 'must be a month YYYY-MM' })
  period: string;

  @ApiProperty({ type: DeliveryQuantityDto })
  @IsObject({ message: 'must be an object {amount, unit}' })
  @ValidateNested()
  @Type(() => DeliveryQuantityDto)
  quantity: DeliveryQuantityDto;

  @Note()
  note?: string | null;
}

export class CorrectDeliveryDto {
  @ApiProperty({ type: CorrectedQuantityDto })
  @IsObject({ message: 'must be an object {amount, unit}' })
  @ValidateNested()
  @Type(() => CorrectedQuantityDto)
  quantity: CorrectedQuantityDto;

  @Note()
  note?: string | null;
}

class QuantityView {
  @ApiProperty({ example: 2400 }) amount: number;
  @ApiProperty({ example: 'MWh' }) unit: string;
}

class ExplanationStepView {
  @ApiProperty() label: string;
  @ApiProperty() formula: string;
  @ApiProperty() value: number;
  @ApiProperty() unit: string;
  @ApiPropertyOptional() note?: string;
}

class ExplanationFactorView {
  @ApiProperty() id: string;
  @ApiProperty() value: number;
  @ApiProperty() unit: string;
  @ApiProperty() source: string;
  @ApiProperty() confidence: string;
}

class DeliveryExplanationView {
  @ApiProperty() engineVersion: string;
  @ApiProperty({ example: '2026.1' }) factorSetVersion: string;
  @ApiProperty({ example: 'final_energy_lhv' }) energyBasis: string;
  @ApiProperty({ type: [ExplanationStepView] }) steps: ExplanationStepView[];
  @ApiProperty({ type: [ExplanationFactorView] }) factors: ExplanationFactorView[];
}

export class DeliveryResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) matchId: string;
  @ApiProperty({ example: '2026-01' }) period: string;
  @ApiProperty({ type: QuantityView, description: "The month's total in the canonical unit (MWh, t or m3)" })
  quantity: QuantityView;
  @ApiProperty({ type: QuantityView, description: 'As entered' }) enteredQuantity: QuantityView;
  @ApiProperty({ description: 'Realised energy saved in the month, MWh' }) energySavedMWh: number;
  @ApiProperty({ description: 'Realised net CO2 avoided in the month, t' }) co2AvoidedTonnes: number;
  @ApiProperty() verified: boolean;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) verifiedAt: string | null;
  @ApiProperty({
    type: DeliveryExplanationView,
    description: 'Computed with the factor set in force for the month',
  })
  explanation: DeliveryExplanationView;
  @ApiProperty() engineVersion: string;
  @ApiProperty({ example: '2026.1' }) factorSetVersion: string;
  @ApiProperty({ nullable: true, type: String }) note: string | null;
  @ApiProperty({ format: 'date-time' }) recordedAt: string;
  @ApiProperty({ example: 'officer' }) recordedByRole: string;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'uuid',
    description: 'The delivery this one corrects',
  })
  corrects: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'uuid',
    description: 'The correction that superseded it',
  })
  supersededBy: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) supersededAt: string | null;
  @ApiProperty({ description: 'false once superseded: only current deliveries count in reports' })
  current: boolean;
}

export class DeliveryPage extends PageMeta {
  @ApiProperty({ type: [DeliveryResponse] }) items: DeliveryResponse[];
}
