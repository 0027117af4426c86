import { Module } from '@nestjs/common';
import { MatchRunsService } from './match-runs.service';
import { MatchStateCache } from './match-state.cache';
import { MatchingService } from './matching.service';
import { RejectionsService } from './rejections.service';

@Module({
  providers: [MatchStateCache, MatchingService, MatchRunsService, RejectionsService],
  exports: [MatchingService, MatchRunsService, RejectionsService],
})
export class MatchingModule {}
