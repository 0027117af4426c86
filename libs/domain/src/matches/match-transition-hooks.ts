import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { MatchAction, MatchStatus } from './match-workflow';

/** One workflow transition, as committed (or rolled back) with the match row. */
export interface MatchTransitionEvent {
  matchId: string;
  from: MatchStatus;
  to: MatchStatus;
  action: MatchAction;
  at: Date;
  actorUserId: string;
}

/**
 * Runs inside the transaction that changes the match's status (and writes its event), so rows a
 * hook maintains never disagree with the match. A hook that throws rolls the transition back.
 */
export interface MatchTransitionHook {
  onMatchTransition(manager: EntityManager, event: MatchTransitionEvent): Promise<void>;
}

/**
 * Lets features that derive data from match statuses (the reports' summary tables) follow a
 * transition in the same transaction. Register from a provider's onModuleInit:
 * `constructor(private readonly hooks: MatchTransitionHooks) {}  onModuleInit() { this.hooks.register(this); }`
 * (a plain function `(manager, event) => Promise<void>` works too). Hooks run in registration order.
 */
@Injectable()
export class MatchTransitionHooks {
  private readonly hooks: MatchTransitionHook[] = [];

  register(hook: MatchTransitionHook | MatchTransitionHook['onMatchTransition']): MatchTransitionHook {
    const entry = typeof hook === 'function' ? { onMatchTransition: hook } : hook;
    if (!this.hooks.includes(entry)) this.hooks.push(entry);
    return entry;
  }

  unregister(hook: MatchTransitionHook): void {
    const index = this.hooks.indexOf(hook);
    if (index >= 0) this.hooks.splice(index, 1);
  }

  async run(manager: EntityManager, event: MatchTransitionEvent): Promise<void> {
    for (const hook of this.hooks) await hook.onMatchTransition(manager, event);
  }
}
