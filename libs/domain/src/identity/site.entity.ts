import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Country } from './company.entity';

@Entity('sites')
export class SiteEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'company_id' }) companyId: string;
  @Column('text') name: string;
  @Column('double precision') latitude: number;
  @Column('double precision') longitude: number;
  @Column('text') region: string;
  @Column('char', { length: 2 }) country: Country;
  @Column('text') municipality: string;
  @Column('boolean', { name: 'has_quay' }) hasQuay: boolean;
  @Column('boolean', { name: 'has_rail' }) hasRail: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
