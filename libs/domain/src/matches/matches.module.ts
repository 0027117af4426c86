import { Module } from '@nestjs/common';
import { MatchingModule } from '../matching/matching.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { MatchTransitionHooks } from './match-transition-hooks';
import { MatchWorkflowService } from './match-workflow.service';
import { MatchesService } from './matches.service';

/**
 * Matches as users see and steer them: the read model (confidentiality), the workflow and its
 * transition hooks. Import it once per application; MatchTransitionHooks is then one registry that
 * every importer (e.g. the reports' summary tables) registers on. Needs DatabaseModule.
 */
@Module({
  imports: [MatchingModule, NotificationsModule],
  providers: [MatchesService, MatchWorkflowService, MatchTransitionHooks],
  exports: [MatchesService, MatchWorkflowService, MatchTransitionHooks, NotificationsModule],
})
export class MatchesModule {}
