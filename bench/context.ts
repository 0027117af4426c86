/** What every scenario gets: settings, the region, the database, the running services and users. */
import type { MatchableStream } from '@symbiose/domain';
import type { Client } from 'pg';
import type { BenchUser, TokenMinter } from './bench-db';
import type { BenchConfig } from './config';
import type { Region } from './region.generator';
import type { BenchServices } from './services';

export interface BenchContext {
  cfg: BenchConfig;
  region: Region;
  /** The region's streams as the matcher sees them. */
  streams: MatchableStream[];
  db: Client;
  services: BenchServices | null;
  minter: TokenMinter | null;
  coordinator: BenchUser | null;
  /** One officer per company of the loaded region. */
  officers: Map<string, BenchUser>;
  log(message: string): void;
  /** Scenario notes shared across scenarios (e.g. the full re-match's memory samples). */
  shared: Map<string, unknown>;
}

export function requireServices(ctx: BenchContext): {
  services: BenchServices;
  minter: TokenMinter;
  coordinator: BenchUser;
} {
  if (!ctx.services || !ctx.minter || !ctx.coordinator)
    throw new Error('this scenario needs the API and worker');
  return { services: ctx.services, minter: ctx.minter, coordinator: ctx.coordinator };
}
