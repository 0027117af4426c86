import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { StreamStatus } from './stream-lifecycle';

export type { StreamStatus } from './stream-lifecycle';

/**
 * A listing. Site facts the engine needs (coordinates, country, quay, rail) are copied onto the stream
 * so candidate pruning reads one table; a site change rewrites them and bumps the stream's version.
 */
@Entity('streams')
export class StreamEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'site_id' }) siteId: string;
  @Column('uuid', { name: 'company_id' }) companyId: string;
  @Column('text') direction: 'supply' | 'demand';
  @Column('text') category: 'heat' | 'co2' | 'hydrogen' | 'material' | 'water';
  @Column('text') title: string;
  @Column('text') description: string;
  @Column('double precision', { name: 'quantity_amount' }) quantityAmount: number;
  @Column('text', { name: 'quantity_unit' }) quantityUnit: string;
  @Column('double precision', { name: 'full_load_hours', nullable: true }) fullLoadHours: number | null;
  @Column('double precision', { name: 'annual_quantity' }) annualQuantity: number;
  @Column('text', { name: 'canonical_unit' }) canonicalUnit: string;
  @Column('jsonb') quality: Record<string, unknown>;
  @Column('text', { name: 'material_type', nullable: true }) materialType: string | null;
  @Column('text', { name: 'current_handling', nullable: true }) currentHandling: string | null;
  @Column('text', { name: 'current_source', nullable: true }) currentSource: string | null;
  @Column('date', { name: 'available_from', nullable: true }) availableFrom: string | null;
  @Column('date', { name: 'available_until', nullable: true }) availableUntil: string | null;
  @Column('double precision', { name: 'max_distance_km', nullable: true }) maxDistanceKm: number | null;
  @Column('text', { name: 'regulatory_status', nullable: true }) regulatoryStatus: string | null;
  @Column('text', { name: 'ewc_code', nullable: true }) ewcCode: string | null;
  @Column('text') visibility: 'anonymous' | 'named';
  @Column('text') status: StreamStatus;
  @Column('int') version: number;
  @Column('int', { name: 'matched_version' }) matchedVersion: number;
  @Column('double precision') latitude: number;
  @Column('double precision') longitude: number;
  @Column('char', { length: 2 }) country: 'BE' | 'NL';
  @Column('boolean', { name: 'has_quay' }) hasQuay: boolean;
  @Column('boolean', { name: 'has_rail' }) hasRail: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
