import { Module } from '@nestjs/common';
import { MatchRunsService } from './match-runs.service';
import { MatchingService } from './matching.service';
import { RejectionsService } from './rejections.service';

@Module({
  providers: [MatchingService, MatchRunsService, RejectionsService],
  exports: [MatchingService, MatchRunsService, RejectionsService],
})
export class MatchingModule {}
