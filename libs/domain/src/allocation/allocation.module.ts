import { Injectable, Module, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { JobQueue } from '@symbiose/core';
import {
  MatchTransitionEvent,
  MatchTransitionHook,
  MatchTransitionHooks,
} from '../matches/match-transition-hooks';
import { MatchesModule } from '../matches/matches.module';
import { ALLOCATION_EXCLUDED_STATUSES } from './allocation-input';
import { requestAllocation } from './allocation-trigger';
import { AllocationService } from './allocation.service';

const LEAVES_ALLOCATION = new Set<string>(ALLOCATION_EXCLUDED_STATUSES);

/**
 * A workflow transition that takes a match out of the allocation (declined, rejected, closed)
 * requests a new plan, debounced. It runs inside the transition's transaction, but the job runs
 * after the debounce delay and reads committed data; a rolled-back transition only costs a solve
 * that finds its input unchanged.
 */
@Injectable()
export class AllocationTransitionHook implements MatchTransitionHook, OnModuleInit, OnModuleDestroy {
  constructor(
    private readonly transitions: MatchTransitionHooks,
    @Optional() private readonly queue?: JobQueue,
  ) {}

  onModuleInit(): void {
    this.transitions.register(this);
  }

  onModuleDestroy(): void {
    this.transitions.unregister(this);
  }

  async onMatchTransition(_manager: unknown, event: MatchTransitionEvent): Promise<void> {
    if (LEAVES_ALLOCATION.has(event.to) !== LEAVES_ALLOCATION.has(event.from)) {
      await requestAllocation(this.queue);
    }
  }
}

/**
 * Read side of the allocation plan and the transition hook that keeps it current; the worker
 * computes plans with recomputeAllocation (no module needed). Needs DatabaseModule and QueueModule.
 */
@Module({
  imports: [MatchesModule],
  providers: [AllocationService, AllocationTransitionHook],
  exports: [AllocationService],
})
export class AllocationDomainModule {}
