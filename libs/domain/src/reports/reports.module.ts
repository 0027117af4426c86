import { Injectable, Module, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { IdentityDomainModule } from '../identity/identity.module';
import { SiteChange, SiteChangeHook, SiteChangeHooks } from '../identity/site-change-hooks';
import {
  MatchTransitionEvent,
  MatchTransitionHook,
  MatchTransitionHooks,
} from '../matches/match-transition-hooks';
import { MatchesModule } from '../matches/matches.module';
import { ReportSummaryService } from './report-summary.service';
import { ReportsService } from './reports.service';

/** Statuses whose entry or exit changes a match's approved-basis contribution. */
const APPROVED_SPAN = new Set(['approved', 'active', 'closed']);

/**
 * Keeps the summary tables in step with the raw rows they derive from, inside the writers'
 * transactions: a match transition into or out of approved/active/closed re-derives that match; a
 * site whose region changes re-derives the reported matches of its streams (their attribution moves).
 */
@Injectable()
export class ReportSummaryHooks
  implements MatchTransitionHook, SiteChangeHook, OnModuleInit, OnModuleDestroy
{
  constructor(
    private readonly summaries: ReportSummaryService,
    private readonly transitions: MatchTransitionHooks,
    private readonly sites: SiteChangeHooks,
  ) {}

  onModuleInit(): void {
    this.transitions.register(this);
    this.sites.register(this);
  }

  onModuleDestroy(): void {
    this.transitions.unregister(this);
    this.sites.unregister(this);
  }

  async onMatchTransition(manager: EntityManager, event: MatchTransitionEvent): Promise<void> {
    if (APPROVED_SPAN.has(event.from) || APPROVED_SPAN.has(event.to)) {
      await this.summaries.refresh(manager, [event.matchId]);
    }
  }

  async onSiteChanged(manager: EntityManager, change: SiteChange): Promise<void> {
    if (change.before.region === change.after.region) return;
    const rows = (await manager.query(
      `SELECT dm.match_id FROM report_match_dims dm JOIN matches m ON m.id = dm.match_id
       JOIN streams s ON s.id IN (m.supply_stream_id, m.demand_stream_id)
       WHERE s.site_id = $1`,
      [change.after.id],
    )) as { match_id: string }[];
    await this.summaries.refresh(
      manager,
      rows.map((r) => r.match_id),
    );
  }
}

/** The summary tables' maintenance alone (what the worker's check job needs). Needs DatabaseModule. */
@Module({ providers: [ReportSummaryService], exports: [ReportSummaryService] })
export class ReportSummaryModule {}

/**
 * Savings reports and the hooks that keep their summary tables current. Import it wherever matches
 * change status or deliveries are written (the API), so the hooks are registered there.
 */
@Module({
  imports: [ReportSummaryModule, MatchesModule, IdentityDomainModule],
  providers: [ReportsService, ReportSummaryHooks],
  exports: [ReportsService, ReportSummaryModule],
})
export class ReportsDomainModule {}
