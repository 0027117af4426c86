import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type Country = 'BE' | 'NL';

@Entity('companies')
export class CompanyEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text') name: string;
  @Column('char', { length: 2 }) country: Country;
  @Column('text', { name: 'registration_number' }) registrationNumber: string;
  @Column('text', { name: 'nace_code' }) naceCode: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
