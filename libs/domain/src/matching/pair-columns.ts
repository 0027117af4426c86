import { CURRENT_FACTOR_SET, ENGINE_VERSION } from '@symbiose/engine';
import { ScoredPair } from './matching.types';
import { float8Array, int4Array, textArray, uuidArray, uuidV7Array } from './pg-binary-arrays';
import {
  allSlots,
  AT_DEDUCTED,
  AT_DISTANCE,
  AT_ENERGY,
  AT_EXCHANGED,
  AT_GROSS,
  AT_ROUTE,
  AT_SCORE,
  BYTE_CATEGORY,
  flagMasks,
  BYTE_MODE,
  BYTE_UNIT,
  INT_DEMAND,
  INT_SUPPLY,
  PAIR_BYTES,
  PAIR_INTS,
  PAIR_NUMBERS,
  PAIR_SHORTS,
  PairStore,
  SHORT_FLAGS,
  type StoredPairs,
} from './pair-store';

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
    flags: [] as number[],
  };
  const maskOf = flagMasks();
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
    cols.flags.push(maskOf(p.flags));
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
    int4Array(cols.flags),
    ENGINE_VERSION,
    CURRENT_FACTOR_SET.version,
    // Ids for the rows that turn out new (a row that exists keeps its id): time-ordered, see uuidV7Array.
    uuidV7Array(pairs.length),
  ];
}

/**
 * The columns newPairsCopy's rows fill, in its field order. The rest take the receiving table's
 * defaults, the run's constant ones (RUN_CONSTANT_COLUMNS) included: see runConstantDefaultsSql.
 */
export const COPIED_COLUMNS = [
  'id',
  'supply_stream_id',
  'demand_stream_id',
  'category',
  'score',
  'exchanged_quantity',
  'exchanged_unit',
  'distance_km',
  'route_km',
  'transport_mode',
  'energy_saved_mwh',
  'co2_avoided_t',
  'gross_co2_t',
  'deducted_co2_t',
  'flag_mask',
] as const;

/**
 * Columns every row of a COPY holds the same value in (no explanation yet, the engine's and factor
 * set's versions): a table that takes newPairsCopy's rows gets them as column defaults
 * (runConstantDefaultsSql) instead of in every row: 26 of about 220 bytes a row, sent and parsed.
 */
export const RUN_CONSTANT_COLUMNS = ['explanation', 'engine_version', 'factor_set_version'] as const;

/** Each RUN_CONSTANT_COLUMNS column's value in a run, as SQL. */
const RUN_CONSTANTS: Record<(typeof RUN_CONSTANT_COLUMNS)[number], string> = {
  explanation: `'{}'::jsonb`,
  engine_version: sqlLiteral(ENGINE_VERSION),
  factor_set_version: sqlLiteral(CURRENT_FACTOR_SET.version),
};

/** ALTER TABLE giving `table` the RUN_CONSTANT_COLUMNS' values as defaults, for a COPY of COPIED_COLUMNS. */
export function runConstantDefaultsSql(table: string): string {
  const actions = RUN_CONSTANT_COLUMNS.map((c) => `ALTER COLUMN ${c} SET DEFAULT ${RUN_CONSTANTS[c]}`);
  return `ALTER TABLE ${table} ${actions.join(', ')}`;
}

/** A string as an SQL literal (DDL takes no parameters). */
function sqlLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** The binary COPY format's signature, flags and header extension length (PostgreSQL's COPY docs). */
const COPY_HEADER = Buffer.from([
  0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
]);

/**
 * The pairs as new proposals in PostgreSQL's binary COPY format (COPIED_COLUMNS, into a table with the
 * run's constant defaults, runConstantDefaultsSql: then as insertPairsInto fills them, net CO2 is the
 * score, no explanation yet), with the new rows' ids as a uuid[] for the
 * proposal outbox: [copy data, ids]. COPY takes rows at about half the cost of an INSERT … SELECT
 * from unnested arrays (1.4 s against 2.4 s per million here), and its data goes to the socket as it
 * is, where a statement's parameters are copied into the Bind message first.
 */
export function newPairsCopy(pairs: readonly ScoredPair[]): unknown[] {
  return storedPairsCopy(allSlots(PairStore.of(pairs)));
}

/**
 * newPairsCopy of the pairs at positions from … to of `pairs` (slots of a PairStore), read from the
 * store's arrays: each stream id is parsed once per store, not once per row. `ids`: the new rows' ids
 * (uuidV7Array of to - from), new ones unless given. `allocate` gives the data's buffer (of exactly
 * the bytes asked for; a scoring thread reuses the memory of the chunks already written).
 */
export function storedPairsCopy(
  pairs: StoredPairs,
  from = 0,
  to = pairs.length,
  ids: Buffer = uuidV7Array(to - from),
  allocate: (bytes: number) => Buffer = Buffer.allocUnsafe,
): unknown[] {
  const { store, slots } = pairs;
  const categoryField = store.categories.values.map(textField);
  const unitField = store.units.values.map(textField);
  const modeField = store.modes.values.map(textField);
  const supplyBytes = store.supplyIdBytes();
  const demandBytes = store.demandIdBytes();
  const { numbers, ints, shorts } = store;
  const codes = store.bytes;
  let bytes = COPY_HEADER.length + 2;
  for (let i = from; i < to; i++) {
    const at = slots[i] * PAIR_BYTES;
    bytes +=
      FIXED_ROW_BYTES +
      categoryField[codes[at + BYTE_CATEGORY]].length +
      unitField[codes[at + BYTE_UNIT]].length +
      modeField[codes[at + BYTE_MODE]].length;
  }
  const buf = allocate(bytes);
  if (buf.length !== bytes) throw new Error(`a buffer of ${buf.length} bytes where ${bytes} were asked for`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let o = COPY_HEADER.copy(buf, 0);
  let idAt = 20 + 4; // the first id's bytes in the uuid[] (array header, then length and bytes per id)
  for (let i = from; i < to; i++) {
    const s = slots[i];
    o = put(buf, o, ROW_START);
    for (let j = 0; j < 16; j++) buf[o + j] = ids[idAt + j];
    o += 16;
    idAt += 20;
    o = put(buf, o, UUID_LENGTH);
    const codesAt = s * PAIR_BYTES;
    const supplyAt = ints[s * PAIR_INTS + INT_SUPPLY] * 16;
    for (let j = 0; j < 16; j++) buf[o + j] = supplyBytes[supplyAt + j];
    o += 16;
    o = put(buf, o, UUID_LENGTH);
    const demandAt = ints[s * PAIR_INTS + INT_DEMAND] * 16;
    for (let j = 0; j < 16; j++) buf[o + j] = demandBytes[demandAt + j];
    o += 16;
    o = put(buf, o, categoryField[codes[codesAt + BYTE_CATEGORY]]);
    const at = s * PAIR_NUMBERS;
    o = float8(view, o, numbers[at + AT_SCORE]);
    o = float8(view, o, numbers[at + AT_EXCHANGED]);
    o = put(buf, o, unitField[codes[codesAt + BYTE_UNIT]]);
    o = float8(view, o, numbers[at + AT_DISTANCE]);
    o = float8(view, o, numbers[at + AT_ROUTE]);
    o = put(buf, o, modeField[codes[codesAt + BYTE_MODE]]);
    o = float8(view, o, numbers[at + AT_ENERGY]);
    o = float8(view, o, numbers[at + AT_SCORE]);
    o = float8(view, o, numbers[at + AT_GROSS]);
    o = float8(view, o, numbers[at + AT_DEDUCTED]);
    view.setInt32(o, 2);
    view.setInt16(o + 4, shorts[s * PAIR_SHORTS + SHORT_FLAGS]);
    o += 6;
  }
  view.setInt16(o, -1);
  o += 2;
  if (o !== bytes) throw new Error(`binary COPY data of ${o} bytes where ${bytes} were reserved`);
  return [buf, ids];
}

/** A field as binary COPY sends it: its length, then its bytes. */
function field(bytes: Uint8Array): Uint8Array {
  const out = Buffer.allocUnsafe(4 + bytes.length);
  out.writeInt32BE(bytes.length, 0);
  out.set(bytes, 4);
  return out;
}
const textField = (v: string) => field(Buffer.from(v, 'utf8'));

/** Copies small byte strings in a loop: a Buffer copy call costs more than the few bytes it moves. */
function put(buf: Buffer, o: number, bytes: Uint8Array): number {
  const n = bytes.length;
  for (let i = 0; i < n; i++) buf[o + i] = bytes[i];
  return o + n;
}

/** A float8 field: its length, then the value big-endian (a DataView's default). */
function float8(view: DataView, o: number, v: number): number {
  view.setInt32(o, 8);
  view.setFloat64(o + 4, v);
  return o + 12;
}

/** Every row's start: field count, then the length of its id. */
const ROW_START = (() => {
  const b = Buffer.alloc(6);
  b.writeInt16BE(COPIED_COLUMNS.length, 0);
  b.writeInt32BE(16, 2);
  return b;
})();
const UUID_LENGTH = Buffer.from([0, 0, 0, 16]);
/** Bytes of a row besides its category, unit and mode: 3 uuids, 8 float8s and the flag mask. */
const FIXED_ROW_BYTES = ROW_START.length + 16 + 2 * (4 + 16) + 8 * 12 + (4 + 2);

/** The pairs as newPairsCopy chunks of `rowsPerStatement` rows, each encoded only when asked for. */
export function copyChunks(pairs: readonly ScoredPair[], rowsPerStatement: number): Iterable<unknown[]> {
  return storedCopyChunks(allSlots(PairStore.of(pairs)), rowsPerStatement);
}

/**
 * storedPairsCopy of positions from … to in chunks of `rowsPerStatement` rows, each encoded when asked
 * for (its data in a buffer from `allocate`).
 */
export function* storedCopyChunks(
  pairs: StoredPairs,
  rowsPerStatement: number,
  from = 0,
  to = pairs.length,
  allocate?: (bytes: number) => Buffer,
): Iterable<unknown[]> {
  for (let i = from; i < to; i += rowsPerStatement) {
    const end = Math.min(i + rowsPerStatement, to);
    yield storedPairsCopy(pairs, i, end, uuidV7Array(end - i), allocate);
  }
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
