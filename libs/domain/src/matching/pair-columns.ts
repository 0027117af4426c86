import { CURRENT_FACTOR_SET, ENGINE_VERSION } from '@symbiose/engine';
import { ScoredPair } from './matching.types';
import { float8Array, textArray, uuidArray, uuidV7Array } from './pg-binary-arrays';

/** The pairs as the column arrays both writers unnest ($1 … $16), in Postgres' binary array format. */
export function pairColumns(pairs: readonly ScoredPair[]): unknown[] {
  const cols = {
    supply: [] as string[],
    demand: [] as string[],
    category: [] as string[],
    score: [] as number[],
    exchanged: [] as number[],
    unit: [] as string[],
    distance: [] as number[],
    route: [] as number[],
    mode: [] as string[],
    energy: [] as number[],
    gross: [] as number[],
    deducted: [] as number[],
    flags: [] as string[],
  };
  for (const p of pairs) {
    cols.supply.push(p.supplyId);
    cols.demand.push(p.demandId);
    cols.category.push(p.category);
    cols.score.push(p.score);
    cols.exchanged.push(p.exchanged);
    cols.unit.push(p.exchangedUnit);
    cols.distance.push(p.distanceKm);
    cols.route.push(p.routeKm);
    cols.mode.push(p.mode);
    cols.energy.push(p.energy);
    cols.gross.push(p.gross);
    cols.deducted.push(p.deducted);
    // Postgres arrays of arrays must be rectangular, so flags travel as a comma-joined string.
    cols.flags.push(p.flags.join(','));
  }
  return [
    uuidArray(cols.supply),
    uuidArray(cols.demand),
    textArray(cols.category),
    float8Array(cols.score),
    float8Array(cols.exchanged),
    textArray(cols.unit),
    float8Array(cols.distance),
    float8Array(cols.route),
    textArray(cols.mode),
    float8Array(cols.energy),
    float8Array(cols.gross),
    float8Array(cols.deducted),
    textArray(cols.flags),
    ENGINE_VERSION,
    CURRENT_FACTOR_SET.version,
    // Ids for the rows that turn out new (a row that exists keeps its id): time-ordered, see uuidV7Array.
    uuidV7Array(pairs.length),
  ];
}

/**
 * pairColumns of each `rowsPerStatement` pairs in turn, each encoded only when the writer asks for it
 * (the next statement's parameters are encoded while Postgres executes the one before).
 */
export function* pairColumnChunks(
  pairs: readonly ScoredPair[],
  rowsPerStatement: number,
): Iterable<unknown[]> {
  for (let i = 0; i < pairs.length; i += rowsPerStatement) {
    yield pairColumns(pairs.slice(i, i + rowsPerStatement));
  }
}
