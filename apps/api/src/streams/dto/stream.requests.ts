import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  CATEGORIES,
  Category,
  CO2_PHASES,
  Co2Phase,
  DEMAND_SOURCES,
  DemandSource,
  Direction,
  DIRECTIONS,
  HEAT_MEDIA,
  HeatMedium,
  MATERIAL_TYPES,
  MaterialType,
  MAX_FULL_LOAD_HOURS,
  REGULATORY_STATUSES,
  RegulatoryStatus,
  SUPPLY_HANDLINGS,
  SupplyHandling,
  WATER_QUALITIES,
  WaterQualityClass,
} from '@symbiose/engine';
import {
  ALL_UNITS,
  INITIAL_STATUSES,
  InitialStatus,
  REQUESTABLE_STATUSES,
  RequestableStatus,
  STREAM_LIMITS,
  STREAM_STATUSES,
  StreamStatus,
  VISIBILITIES,
  Visibility,
} from '@symbiose/domain';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
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
import { PageQuery } from '../../identity/dto/common.dto';
import { IsUuidText, OptionalNotNull, OptionalNullable, SingleLineText } from '../../identity/dto/validation';
import {
  Immutable,
  IsCounterfactualOf,
  IsDateOnly,
  IsNotBefore,
  IsQualityBlockOf,
  OnlyForCategory,
} from './stream-validators';

const FINITE = { allowNaN: false, allowInfinity: false } as const;
const oneOf = (values: readonly string[]) =>
  IsIn(values as string[], { message: `must be one of ${values.join(', ')}` });
const number = () => IsNumber(FINITE, { message: 'must be a number' });
const { temperatureC, purityPct, pressureBar } = STREAM_LIMITS;

/** Free text of up to `max` characters (line breaks allowed, NUL not: Postgres text cannot hold it). */
const LongText = (max: number) =>
  applyDecorators(
    IsString({ message: 'must be a string' }),
    MaxLength(max, { message: `must be at most ${max} characters long` }),
    // eslint-disable-next-line no-control-regex -- Postgres text cannot hold NUL, so reject it as a 400
    Matches(/^[^\u0000]*$/, { message: 'must not contain NUL characters' }),
  );

const Temperature = () =>
  applyDecorators(
    number(),
    Min(temperatureC.min, { message: `must be at least ${temperatureC.min} °C` }),
    Max(temperatureC.max, { message: `must be at most ${temperatureC.max} °C` }),
  );

const Purity = () =>
  applyDecorators(
    number(),
    IsPositive({ message: 'must be greater than 0' }),
    Max(purityPct.max, { message: `must be at most ${purityPct.max} %` }),
  );

export class QuantityDto {
  @ApiProperty({ example: 500000, description: 'As entered, in `unit`' })
  @number()
  @IsPositive({ message: 'must be greater than 0' })
  @Max(STREAM_LIMITS.enteredAmountMax, { message: `must be at most ${STREAM_LIMITS.enteredAmountMax}` })
  amount: number;

  @ApiProperty({
    enum: ALL_UNITS,
    description:
      'heat: MWh/yr, GWh/yr, GJ/yr, TJ/yr or MW (with fullLoadHours); co2, hydrogen, material: t/yr, kt/yr; water: m3/yr',
  })
  @oneOf(ALL_UNITS)
  unit: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_FULL_LOAD_HOURS, description: 'Required with MW' })
  @OptionalNullable()
  @number()
  @Min(1, { message: 'must be at least 1 hour' })
  @Max(MAX_FULL_LOAD_HOURS, { message: `must be at most ${MAX_FULL_LOAD_HOURS} hours (a leap year)` })
  fullLoadHours?: number | null;
}

export class HeatQualityDto {
  @ApiProperty({ description: 'Supply: temperature available. Demand: minimum temperature needed.' })
  @Temperature()
  temperatureC: number;

  @ApiProperty({ enum: HEAT_MEDIA })
  @oneOf(HEAT_MEDIA)
  medium: HeatMedium;

  @ApiPropertyOptional()
  @OptionalNullable()
  @Temperature()
  returnTemperatureC?: number | null;

  @ApiPropertyOptional({ maximum: pressureBar.max })
  @OptionalNullable()
  @number()
  @IsPositive({ message: 'must be greater than 0' })
  @Max(pressureBar.max, { message: `must be at most ${pressureBar.max} bar` })
  pressureBar?: number | null;
}

export class Co2QualityDto {
  @ApiProperty({ minimum: 0, exclusiveMinimum: true, maximum: 100 })
  @Purity()
  purityPct: number;

  @ApiPropertyOptional({ enum: CO2_PHASES })
  @OptionalNullable()
  @oneOf(CO2_PHASES)
  phase?: Co2Phase | null;
}

export class HydrogenQualityDto {
  @ApiProperty({ minimum: 0, exclusiveMinimum: true, maximum: 100 })
  @Purity()
  purityPct: number;
}

export class MaterialQualityDto {
  @ApiProperty({ enum: MATERIAL_TYPES, description: 'See GET /material-types' })
  @oneOf(MATERIAL_TYPES)
  materialType: MaterialType;

  @ApiPropertyOptional({
    example: '10 02 02',
    description: 'European List of Waste code; `*` marks hazardous',
  })
  @OptionalNullable()
  @IsString({ message: 'must be a string' })
  @Matches(/^\d{2} \d{2} \d{2}\*?$/, { message: 'must be an EWC code "dd dd dd" (with "*" if hazardous)' })
  ewcCode?: string | null;

  @ApiPropertyOptional({ description: 'Defaults from the EWC code, else from the material type' })
  @OptionalNullable()
  @IsBoolean({ message: 'must be true or false' })
  hazardous?: boolean | null;
}

export class WaterQualityDto {
  @ApiProperty({ enum: WATER_QUALITIES })
  @oneOf(WATER_QUALITIES)
  quality: WaterQualityClass;
}

const Block = (category: Category, type: () => new () => object) =>
  applyDecorators(
    IsQualityBlockOf(category),
    ValidateNested(),
    Type(type),
    ApiPropertyOptional({ type, description: `Quality block; exactly the one of the stream's category` }),
  );

const Quantity = () =>
  applyDecorators(
    IsObject({ message: 'must be an object {amount, unit, fullLoadHours?}' }),
    ValidateNested(),
    Type(() => QuantityDto),
  );

/** Fields and blocks a create and a patch share; each subclass says which are required. */
abstract class StreamFields {
  @Block('heat', () => HeatQualityDto)
  heat?: HeatQualityDto | null;

  @Block('co2', () => Co2QualityDto)
  co2?: Co2QualityDto | null;

  @Block('hydrogen', () => HydrogenQualityDto)
  hydrogen?: HydrogenQualityDto | null;

  @Block('material', () => MaterialQualityDto)
  material?: MaterialQualityDto | null;

  @Block('water', () => WaterQualityDto)
  water?: WaterQualityDto | null;

  @ApiPropertyOptional({ example: '2026-01-01' })
  @OptionalNullable()
  @IsDateOnly()
  availableFrom?: string | null;

  @ApiPropertyOptional({
    example: '2030-12-31',
    description: 'Last day available; the stream expires after it',
  })
  @OptionalNullable()
  @IsDateOnly()
  @IsNotBefore('availableFrom')
  availableUntil?: string | null;

  @ApiPropertyOptional({
    maximum: STREAM_LIMITS.maxDistanceKm.max,
    description: 'Farthest counterpart accepted',
  })
  @OptionalNullable()
  @number()
  @IsPositive({ message: 'must be greater than 0' })
  @Max(STREAM_LIMITS.maxDistanceKm.max, { message: `must be at most ${STREAM_LIMITS.maxDistanceKm.max} km` })
  maxDistanceKm?: number | null;

  @ApiPropertyOptional({
    enum: REGULATORY_STATUSES,
    description: 'Materials only; required for a material supply',
  })
  @OptionalNullable()
  @oneOf(REGULATORY_STATUSES)
  @OnlyForCategory('material')
  regulatoryStatus?: RegulatoryStatus | null;

  @ApiPropertyOptional({ enum: VISIBILITIES, default: 'anonymous' })
  @OptionalNotNull()
  @oneOf(VISIBILITIES)
  visibility?: Visibility;
}

export class CreateStreamDto extends StreamFields {
  @ApiProperty({ format: 'uuid' })
  @IsUuidText()
  siteId: string;

  @ApiProperty({ enum: DIRECTIONS })
  @oneOf(DIRECTIONS)
  direction: Direction;

  @ApiProperty({ enum: CATEGORIES })
  @oneOf(CATEGORIES)
  category: Category;

  @ApiProperty({ maxLength: STREAM_LIMITS.titleMaxLength })
  @SingleLineText(1, STREAM_LIMITS.titleMaxLength)
  title: string;

  @ApiPropertyOptional({ maxLength: STREAM_LIMITS.descriptionMaxLength })
  @OptionalNullable()
  @LongText(STREAM_LIMITS.descriptionMaxLength)
  description?: string | null;

  @ApiProperty({ type: QuantityDto })
  @Quantity()
  quantity: QuantityDto;

  @ApiPropertyOptional({
    enum: SUPPLY_HANDLINGS,
    description: 'Supply only (required): what happens to it today',
  })
  @IsCounterfactualOf('supply', SUPPLY_HANDLINGS)
  currentHandling?: SupplyHandling | null;

  @ApiPropertyOptional({
    enum: DEMAND_SOURCES,
    description: 'Demand only (required): where it comes from today',
  })
  @IsCounterfactualOf('demand', DEMAND_SOURCES)
  currentSource?: DemandSource | null;

  @ApiPropertyOptional({ enum: INITIAL_STATUSES, default: 'active' })
  @OptionalNotNull()
  @oneOf(INITIAL_STATUSES)
  status?: InitialStatus;
}

const IMMUTABLE = 'cannot be changed; withdraw this stream and create a new one';

/**
 * A partial change at a known version. Blocks and the quantity replace the old ones as a whole;
 * `null` clears an optional field. Rules that tie fields together (the block of the category, the
 * counterfactual of the direction, a unit the category accepts) are checked against the merged stream.
 */
export class UpdateStreamDto extends StreamFields {
  @ApiProperty({ minimum: 1, description: 'The version you read; a stale one is a 409 VERSION_CONFLICT' })
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  version: number;

  @ApiPropertyOptional({ format: 'uuid', description: "Move to another site of the stream's company" })
  @OptionalNotNull()
  @IsUuidText()
  siteId?: string;

  @ApiPropertyOptional({ maxLength: STREAM_LIMITS.titleMaxLength })
  @OptionalNotNull()
  @SingleLineText(1, STREAM_LIMITS.titleMaxLength)
  title?: string;

  @ApiPropertyOptional({ maxLength: STREAM_LIMITS.descriptionMaxLength })
  @OptionalNullable()
  @LongText(STREAM_LIMITS.descriptionMaxLength)
  description?: string | null;

  @ApiPropertyOptional({ type: QuantityDto })
  @OptionalNotNull()
  @Quantity()
  quantity?: QuantityDto;

  @ApiPropertyOptional({ enum: SUPPLY_HANDLINGS })
  @OptionalNotNull()
  @oneOf(SUPPLY_HANDLINGS)
  currentHandling?: SupplyHandling;

  @ApiPropertyOptional({ enum: DEMAND_SOURCES })
  @OptionalNotNull()
  @oneOf(DEMAND_SOURCES)
  currentSource?: DemandSource;

  @ApiPropertyOptional({ description: 'Fixed for the life of a stream', readOnly: true, type: String })
  @Immutable(IMMUTABLE)
  direction?: never;

  @ApiPropertyOptional({ description: 'Fixed for the life of a stream', readOnly: true, type: String })
  @Immutable(IMMUTABLE)
  category?: never;
}

export class ChangeStreamStatusDto {
  @ApiProperty({ enum: REQUESTABLE_STATUSES, description: 'active = publish or resume; paused; withdrawn' })
  @oneOf(REQUESTABLE_STATUSES)
  status: RequestableStatus;

  @ApiPropertyOptional({ minimum: 1, description: 'When sent, a stale version is a 409 VERSION_CONFLICT' })
  @OptionalNotNull()
  @IsInt({ message: 'must be an integer' })
  @Min(1, { message: 'must be at least 1' })
  version?: number;
}

export class StreamListQuery extends PageQuery {
  @ApiPropertyOptional({ enum: DIRECTIONS })
  @OptionalNotNull()
  @oneOf(DIRECTIONS)
  direction?: Direction;

  @ApiPropertyOptional({ enum: CATEGORIES })
  @OptionalNotNull()
  @oneOf(CATEGORIES)
  category?: Category;

  @ApiPropertyOptional({ enum: STREAM_STATUSES })
  @OptionalNotNull()
  @oneOf(STREAM_STATUSES)
  status?: StreamStatus;

  @ApiPropertyOptional({ format: 'uuid' })
  @OptionalNotNull()
  @IsUuidText()
  siteId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @OptionalNotNull()
  @IsUuidText()
  companyId?: string;
}
