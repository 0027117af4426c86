import { Module } from '@nestjs/common';
import { ReportsDomainModule } from '../reports/reports.module';
import { DeliveriesService } from './deliveries.service';

/** Realised deliveries; every write maintains the reports' summary tables. Needs DatabaseModule. */
@Module({
  imports: [ReportsDomainModule],
  providers: [DeliveriesService],
  exports: [DeliveriesService],
})
export class DeliveriesDomainModule {}
