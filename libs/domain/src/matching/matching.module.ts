import { Module } from '@nestjs/common';
import { MatchRunsService } from './match-runs.service';
import { MatchingService } from './matching.service';

@Module({ providers: [MatchingService, MatchRunsService], exports: [MatchingService, MatchRunsService] })
export class MatchingModule {}
