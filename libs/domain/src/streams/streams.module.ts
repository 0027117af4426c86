import { Injectable, Module, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { IdentityDomainModule } from '../identity/identity.module';
import { SiteChange, SiteChangeHook, SiteChangeHooks } from '../identity/site-change-hooks';
import { StreamsService } from './streams.service';

/**
 * Keeps the site facts copied onto streams in step with their site: a site update whose location or
 * transport access changed rewrites them and bumps the streams' versions in the same transaction.
 * The re-match is left to the dirty-stream sweeper, because a job enqueued before the site's
 * transaction commits could run against the old version.
 */
@Injectable()
export class StreamSiteFactsHook implements SiteChangeHook, OnModuleInit {
  constructor(
    private readonly hooks: SiteChangeHooks,
    private readonly streams: StreamsService,
  ) {}

  onModuleInit(): void {
    this.hooks.register(this);
  }

  async onSiteChanged(manager: EntityManager, change: SiteChange): Promise<void> {
    if (change.locationChanged) await this.streams.refreshSiteFacts(change.after.id, manager);
  }
}

/** Stream listings: StreamsService and the site-facts hook. Needs DatabaseModule and QueueModule. */
@Module({
  imports: [IdentityDomainModule],
  providers: [StreamsService, StreamSiteFactsHook],
  exports: [StreamsService],
})
export class StreamsDomainModule {}
