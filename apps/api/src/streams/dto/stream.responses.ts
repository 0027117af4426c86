import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  CATEGORIES,
  DEMAND_SOURCES,
  DIRECTIONS,
  REGULATORY_STATUSES,
  SUPPLY_HANDLINGS,
} from '@symbiose/engine';
import { STREAM_STATUSES, VISIBILITIES } from '@symbiose/domain';
import { PageMeta } from '../../identity/dto/common.dto';
import {
  Co2QualityDto,
  HeatQualityDto,
  HydrogenQualityDto,
  MaterialQualityDto,
  QuantityDto,
  WaterQualityDto,
} from './stream.requests';

class AnnualQuantity {
  @ApiProperty({ example: 500000 }) amount: number;
  @ApiProperty({ enum: ['MWh/yr', 't/yr', 'm3/yr'] }) unit: string;
}

class StreamLocation {
  @ApiProperty() latitude: number;
  @ApiProperty() longitude: number;
  @ApiProperty({ enum: ['BE', 'NL'] }) country: string;
  @ApiProperty() hasQuay: boolean;
  @ApiProperty() hasRail: boolean;
}

/** Documentation of the stream view the service returns (libs/domain StreamView). */
export class StreamResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) siteId: string;
  @ApiProperty({ format: 'uuid' }) companyId: string;
  @ApiProperty({ enum: DIRECTIONS }) direction: string;
  @ApiProperty({ enum: CATEGORIES }) category: string;
  @ApiProperty() title: string;
  @ApiProperty() description: string;
  @ApiProperty({ type: QuantityDto, description: 'As entered' }) quantity: QuantityDto;
  @ApiProperty({ type: AnnualQuantity, description: "In the category's canonical unit per year" })
  annualQuantity: AnnualQuantity;
  @ApiPropertyOptional({ type: HeatQualityDto }) heat?: HeatQualityDto;
  @ApiPropertyOptional({ type: Co2QualityDto }) co2?: Co2QualityDto;
  @ApiPropertyOptional({ type: HydrogenQualityDto }) hydrogen?: HydrogenQualityDto;
  @ApiPropertyOptional({ type: MaterialQualityDto }) material?: MaterialQualityDto;
  @ApiPropertyOptional({ type: WaterQualityDto }) water?: WaterQualityDto;
  @ApiPropertyOptional({ enum: SUPPLY_HANDLINGS, description: 'Supply streams' }) currentHandling?: string;
  @ApiPropertyOptional({ enum: DEMAND_SOURCES, description: 'Demand streams' }) currentSource?: string;
  @ApiProperty({ type: String, nullable: true, example: '2026-01-01' }) availableFrom: string | null;
  @ApiProperty({ type: String, nullable: true, example: '2030-12-31' }) availableUntil: string | null;
  @ApiProperty({ type: Number, nullable: true }) maxDistanceKm: number | null;
  @ApiPropertyOptional({ enum: REGULATORY_STATUSES, nullable: true, description: 'Material streams' })
  regulatoryStatus?: string | null;
  @ApiProperty({ enum: VISIBILITIES }) visibility: string;
  @ApiProperty({ enum: STREAM_STATUSES }) status: string;
  @ApiProperty({ description: 'Bumped by every change that can affect matching' }) version: number;
  @ApiProperty({ description: 'The version the current matches were computed for' }) matchedVersion: number;
  @ApiProperty({ description: 'matchedVersion < version: re-matching is queued' }) matchingPending: boolean;
  @ApiProperty({ type: StreamLocation, description: 'Copied from the site' }) location: StreamLocation;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class StreamPage extends PageMeta {
  @ApiProperty({ type: [StreamResponse] }) items: StreamResponse[];
}

export class MaterialTypeResponse {
  @ApiProperty({ example: 'blast_furnace_slag' }) id: string;
  @ApiProperty({ example: 'Granulated blast-furnace slag' }) label: string;
  @ApiProperty({ type: [String], example: ['10 02 02'], description: 'Typical EWC codes; `*` = hazardous' })
  ewcCodes: string[];
  @ApiProperty() hazardousDefault: boolean;
}

export class MaterialTypePage extends PageMeta {
  @ApiProperty({ type: [MaterialTypeResponse] }) items: MaterialTypeResponse[];
}
