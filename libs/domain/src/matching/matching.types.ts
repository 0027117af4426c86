import type { StreamFacts } from '@symbiose/engine';

/** What the matcher reads of a stream: the engine's facts plus ownership and lifecycle. */
export interface MatchableStream extends StreamFacts {
  companyId: string;
  status: string;
  version: number;
}

/** A scored qualifying pair with the numbers stored on the match row. */
export interface ScoredPair {
  supplyId: string;
  demandId: string;
  category: string;
  score: number;
  energy: number;
  routeKm: number;
  distanceKm: number;
  exchanged: number;
  exchangedUnit: string;
  mode: string;
  gross: number;
  deducted: number;
  flags: string[];
}

/** The stream columns the matcher reads, optionally qualified by a table alias. */
export function matcherStreamColumns(alias?: string): string {
  const a = alias ? `${alias}.` : '';
  return `${a}id, ${a}company_id, ${a}status, ${a}version, ${a}direction, ${a}category, ${a}annual_quantity,
  ${a}quality, ${a}current_handling, ${a}current_source, to_char(${a}available_from, 'YYYY-MM-DD') AS available_from,
  to_char(${a}available_until, 'YYYY-MM-DD') AS available_until, ${a}max_distance_km, ${a}regulatory_status,
  ${a}latitude, ${a}longitude, ${a}country, ${a}has_quay, ${a}has_rail`;
}

export const STREAM_COLUMNS = matcherStreamColumns();

export interface StreamRow {
  id: string;
  company_id: string;
  status: string;
  version: number;
  direction: 'supply' | 'demand';
  category: StreamFacts['category'];
  annual_quantity: number;
  quality: StreamFacts['quality'];
  current_handling: string | null;
  current_source: string | null;
  available_from: string | null;
  available_until: string | null;
  max_distance_km: number | null;
  regulatory_status: string | null;
  latitude: number;
  longitude: number;
  country: 'BE' | 'NL';
  has_quay: boolean;
  has_rail: boolean;
}

export function toMatchable(row: StreamRow): MatchableStream {
  return {
    id: row.id,
    companyId: row.company_id,
    status: row.status,
    version: row.version,
    direction: row.direction,
    category: row.category,
    annualQuantity: row.annual_quantity,
    quality: row.quality,
    currentHandling: row.current_handling as StreamFacts['currentHandling'],
    currentSource: row.current_source as StreamFacts['currentSource'],
    availableFrom: row.available_from,
    availableUntil: row.available_until,
    maxDistanceKm: row.max_distance_km,
    regulatoryStatus: row.regulatory_status as StreamFacts['regulatoryStatus'],
    site: {
      latitude: row.latitude,
      longitude: row.longitude,
      country: row.country,
      hasQuay: row.has_quay,
      hasRail: row.has_rail,
    },
  };
}

const STATE_COLUMNS = `id, company_id, status, version, direction, category, annual_quantity, quality, current_handling,
  current_source, available_from, available_until, max_distance_km, regulatory_status, latitude, longitude, country,
  has_quay, has_rail`;

/** STATE_COLUMNS but the id: what a snapshot copies and compares. */
const STATE_FIELDS = STATE_COLUMNS.split(',')
  .map((c) => c.trim())
  .filter((c) => c !== 'id');

/** The state columns as `alias.column, …`. */
const fieldsOf = (alias: string) => STATE_FIELDS.map((c) => `${alias}.${c}`).join(', ');

/** Copies streams' current data into the matcher's processed state (all of them, or those in `ids`). */
export function snapshotSql(where: string): string {
  return `INSERT INTO stream_match_state (${STATE_COLUMNS})
    SELECT ${STATE_COLUMNS} FROM streams WHERE ${where}
    ON CONFLICT (id) DO UPDATE SET ${STATE_FIELDS.map((c) => `${c} = EXCLUDED.${c}`).join(', ')},
      sync_seq = nextval('stream_match_state_sync_seq')
    WHERE (${fieldsOf('stream_match_state')}) IS DISTINCT FROM (${fieldsOf('EXCLUDED')})`;
}

/**
 * snapshotSql('true') as two set-based statements: the rows that differ from their stream updated
 * (one hash join), then the streams without a row inserted. INSERT … ON CONFLICT probes the primary
 * key and compares once per stream: 0.50 s at 100,000 unchanged streams, against 0.33 s for these.
 */
export function snapshotAllSql(): string[] {
  return [
    `UPDATE stream_match_state t SET ${STATE_FIELDS.map((c) => `${c} = s.${c}`).join(', ')},
       sync_seq = nextval('stream_match_state_sync_seq')
     FROM streams s
     WHERE t.id = s.id AND (${fieldsOf('t')}) IS DISTINCT FROM (${fieldsOf('s')})`,
    `INSERT INTO stream_match_state (id, ${STATE_FIELDS.join(', ')})
     SELECT s.id, ${fieldsOf('s')} FROM streams s
     WHERE NOT EXISTS (SELECT 1 FROM stream_match_state t WHERE t.id = s.id)`,
  ];
}
