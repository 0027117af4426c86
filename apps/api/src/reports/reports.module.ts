import { Module } from '@nestjs/common';
import { ReportsDomainModule } from '@symbiose/domain';
import { ReportsController } from './reports.controller';

@Module({ imports: [ReportsDomainModule], controllers: [ReportsController] })
export class ReportsApiModule {}
