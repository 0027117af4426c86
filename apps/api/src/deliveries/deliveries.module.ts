import { Module } from '@nestjs/common';
import { DeliveriesDomainModule } from '@symbiose/domain';
import { DeliveriesController } from './deliveries.controller';

@Module({ imports: [DeliveriesDomainModule], controllers: [DeliveriesController] })
export class DeliveriesApiModule {}
