import { Module } from '@nestjs/common';
import { StreamsDomainModule } from '@symbiose/domain';
import { MaterialTypesController, StreamsController } from './streams.controller';

@Module({ imports: [StreamsDomainModule], controllers: [StreamsController, MaterialTypesController] })
export class StreamsApiModule {}
