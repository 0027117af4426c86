import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SiteEntity } from './site.entity';

export interface SiteChange {
  before: SiteEntity;
  after: SiteEntity;
  /** Coordinates, region/country or transport access changed: derived data must follow. */
  locationChanged: boolean;
}

/** Runs inside the transaction that updates the site, so derived rows never disagree with it. */
export interface SiteChangeHook {
  onSiteChanged(manager: EntityManager, change: SiteChange): Promise<void>;
}

/**
 * Lets features that copy site data (streams keep a site's location for candidate pruning) follow
 * a site update in the same transaction. Register from a provider's onModuleInit:
 * `constructor(hooks: SiteChangeHooks) {}  onModuleInit() { this.hooks.register(this); }`.
 */
@Injectable()
export class SiteChangeHooks {
  private readonly hooks: SiteChangeHook[] = [];

  register(hook: SiteChangeHook): void {
    if (!this.hooks.includes(hook)) this.hooks.push(hook);
  }

  unregister(hook: SiteChangeHook): void {
    const index = this.hooks.indexOf(hook);
    if (index >= 0) this.hooks.splice(index, 1);
  }

  async run(manager: EntityManager, change: SiteChange): Promise<void> {
    for (const hook of this.hooks) await hook.onSiteChanged(manager, change);
  }
}
