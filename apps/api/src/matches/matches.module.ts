import { Module } from '@nestjs/common';
import { MatchesService, MatchingModule } from '@symbiose/domain';
import { MatchesController } from './matches.controller';

@Module({ imports: [MatchingModule], controllers: [MatchesController], providers: [MatchesService] })
export class MatchesApiModule {}
