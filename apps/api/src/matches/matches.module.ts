import { Module } from '@nestjs/common';
import { MatchesModule, MatchingModule } from '@symbiose/domain';
import { MatchesController } from './matches.controller';

@Module({ imports: [MatchingModule, MatchesModule], controllers: [MatchesController] })
export class MatchesApiModule {}
