import {
  type AllocationPair,
  type AllocationStream,
  CURRENT_FACTOR_SET,
  ENGINE_VERSION,
  scorePair,
} from '@symbiose/engine';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { STREAM_COLUMNS, StreamRow, toMatchable } from '../matching/matching.types';
import { sliceTicker } from './allocation-slices.util';

/** Match statuses that take a pair out of the allocation: nobody will run these exchanges. */
export const ALLOCATION_EXCLUDED_STATUSES = ['declined', 'rejected', 'expired', 'closed'] as const;

/** What a plan item needs besides the solver's numbers. */
export interface AllocationPairMeta {
  supplyId: string;
  demandId: string;
  category: string;
  unit: string;
  supplyPerUnit: number;
}

/**
 * The allocation problem as read from the store, with what is needed to write the plan back.
 *
 * The pairs are the **stored** qualifying matches (status not declined, rejected, expired or closed;
 * `qualifies`), i.e. the bounded top-K lists of matching: a qualifying pair that is in neither of its
 * streams' K best is not stored and so not in the plan. With K (MATCH_TOP_K, default 50) larger than
 * the number of counterparts a stream can realistically serve, the plan loses little, but it is the
 * optimum over the stored pairs, not over every feasible pair.
 */
export interface AllocationInput {
  pairs: AllocationPair[];
  supplies: AllocationStream[];
  demands: AllocationStream[];
  meta: Map<string, AllocationPairMeta>;
  /** Stored qualifying matches left out: a stream no longer active, or the pair no longer scores (matching lags). */
  excluded: number;
  /** sha256 over the engine and factor-set versions, every pair's numbers and every stream's quantity. */
  fingerprint: string;
}

interface QualifyingRow {
  id: string;
  supply_stream_id: string;
  demand_stream_id: string;
  category: string;
  exchanged_quantity: number;
  exchanged_unit: string;
  co2_avoided_t: number;
  energy_saved_mwh: number;
}

/**
 * Reads the allocation problem in two set-based statements (the qualifying matches, then the streams
 * they name). Run it in a REPEATABLE READ transaction so both statements see one snapshot.
 *
 * Per pair: maxQuantity = the match's exchanged quantity (what the receiver gets), co2PerUnit and
 * energyPerUnit = the match's net CO2 and energy saved divided by it, and supplyPerUnit = supply used
 * per unit delivered, from re-scoring the pair with the engine on the two streams' current rows (the
 * match row does not store it). Stream quantities are the streams' annual quantities.
 */
export async function loadAllocationInput(db: DataSource | EntityManager): Promise<AllocationInput> {
  const rows = (await db.query(
    `SELECT id, supply_stream_id, demand_stream_id, category, exchanged_quantity, exchanged_unit, co2_avoided_t,
            energy_saved_mwh
     FROM matches WHERE qualifies AND status <> ALL($1::text[])
     ORDER BY id`,
    [[...ALLOCATION_EXCLUDED_STATUSES]],
  )) as QualifyingRow[];
  // A full region is millions of rows: every loop over them runs in slices (see allocation-slices.util).
  let tick = sliceTicker();
  const ids = new Set<string>();
  for (let i = 0; i < rows.length; i++) {
    const wait = tick(i);
    if (wait) await wait;
    ids.add(rows[i].supply_stream_id);
    ids.add(rows[i].demand_stream_id);
  }
  const streamRows =
    ids.size === 0
      ? []
      : ((await db.query(`SELECT ${STREAM_COLUMNS} FROM streams WHERE id = ANY($1::uuid[])`, [
          [...ids],
        ])) as StreamRow[]);
  const streams = new Map(streamRows.map((s) => [s.id, s]));
  const matchable = new Map(streamRows.map((s) => [s.id, toMatchable(s)]));

  const pairs: AllocationPair[] = [];
  const meta = new Map<string, AllocationPairMeta>();
  const supplies = new Map<string, number>();
  const demands = new Map<string, number>();
  let excluded = 0;
  tick = sliceTicker();
  for (let i = 0; i < rows.length; i++) {
    const wait = tick(i);
    if (wait) await wait;
    const r = rows[i];
    const s = streams.get(r.supply_stream_id);
    const d = streams.get(r.demand_stream_id);
    const exchanged = r.exchanged_quantity;
    if (!s || !d || s.status !== 'active' || d.status !== 'active' || !(exchanged > 0)) {
      excluded++;
      continue;
    }
    const score = scorePair(
      matchable.get(s.id) as ReturnType<typeof toMatchable>,
      matchable.get(d.id) as ReturnType<typeof toMatchable>,
    );
    const supplyPerUnit = score.ok ? score.supplyUsed / score.exchanged : Number.NaN;
    if (!(Number.isFinite(supplyPerUnit) && supplyPerUnit > 0)) {
      excluded++;
      continue;
    }
    pairs.push({
      id: r.id,
      supplyId: s.id,
      demandId: d.id,
      maxQuantity: exchanged,
      supplyPerUnit,
      co2PerUnit: r.co2_avoided_t / exchanged,
      energyPerUnit: r.energy_saved_mwh / exchanged,
    });
    meta.set(r.id, {
      supplyId: s.id,
      demandId: d.id,
      category: r.category,
      unit: r.exchanged_unit,
      supplyPerUnit,
    });
    supplies.set(s.id, s.annual_quantity);
    demands.set(d.id, d.annual_quantity);
  }
  const byId = (a: AllocationStream, b: AllocationStream) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const asStreams = (m: Map<string, number>) => [...m].map(([id, quantity]) => ({ id, quantity })).sort(byId);
  const input = {
    pairs,
    supplies: asStreams(supplies),
    demands: asStreams(demands),
    meta,
    excluded,
  };
  return { ...input, fingerprint: await slicedFingerprint(input) };
}

type FingerprintInput = Parameters<typeof allocationFingerprint>[0];

/** Lines hashed per update: one update per line would cost more than the hashing. */
const FINGERPRINT_BATCH = 4096;

/** The fingerprint's bytes in batches of lines (the digest depends only on the concatenation). */
function* fingerprintChunks(input: FingerprintInput): Generator<string> {
  yield `${ENGINE_VERSION}|${CURRENT_FACTOR_SET.version}\n`;
  let batch = '';
  let lines = 0;
  const line = (text: string) => {
    batch += text;
    if (++lines % FINGERPRINT_BATCH !== 0) return null;
    const full = batch;
    batch = '';
    return full;
  };
  for (const p of input.pairs) {
    const full = line(
      `${p.id}|${p.supplyId}|${p.demandId}|${p.maxQuantity}|${p.supplyPerUnit}|${p.co2PerUnit}|${p.energyPerUnit}\n`,
    );
    if (full !== null) yield full;
  }
  batch += 'supplies\n';
  for (const s of input.supplies) {
    const full = line(`${s.id}|${s.quantity}\n`);
    if (full !== null) yield full;
  }
  batch += 'demands\n';
  for (const d of input.demands) {
    const full = line(`${d.id}|${d.quantity}\n`);
    if (full !== null) yield full;
  }
  yield batch;
}

/** allocationFingerprint in slices, for the main thread. */
async function slicedFingerprint(input: FingerprintInput): Promise<string> {
  const hash = createHash('sha256');
  const tick = sliceTicker(1);
  let i = 0;
  for (const chunk of fingerprintChunks(input)) {
    hash.update(chunk);
    const wait = tick(++i);
    if (wait) await wait;
  }
  return hash.digest('hex');
}

/**
 * Identifies an allocation input: equal fingerprints mean the solver would get the same problem, so
 * a job that finds the latest plan's fingerprint unchanged writes nothing (jobs stay idempotent).
 */
export function allocationFingerprint(input: {
  pairs: readonly AllocationPair[];
  supplies: readonly AllocationStream[];
  demands: readonly AllocationStream[];
}): string {
  const hash = createHash('sha256');
  for (const chunk of fingerprintChunks(input)) hash.update(chunk);
  return hash.digest('hex');
}
