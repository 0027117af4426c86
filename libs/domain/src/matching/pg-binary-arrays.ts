/**
 * One-dimensional Postgres arrays in the binary wire format (array_send/array_recv), for the matcher's
 * unnest writes of millions of rows. node-postgres sends a Buffer parameter in binary format, so a
 * float8[] travels as 8 bytes per value instead of a decimal literal that node formats and Postgres
 * parses again: that round of formatting and parsing was ~40 % of a bulk match write.
 */

import { randomBytes } from 'node:crypto';

const OID = { int4: 23, text: 25, float8: 701, uuid: 2950 } as const;

/** Header: ndim, has-nulls flag, element type, then (size, lower bound) for the one dimension. */
function header(oid: number, length: number, bodyBytes: number): { buf: Buffer; offset: number } {
  if (length === 0) {
    const buf = Buffer.alloc(12);
    buf.writeInt32BE(0, 0);
    buf.writeInt32BE(0, 4);
    buf.writeInt32BE(oid, 8);
    return { buf, offset: 12 };
  }
  const buf = Buffer.allocUnsafe(20 + bodyBytes);
  buf.writeInt32BE(1, 0);
  buf.writeInt32BE(0, 4);
  buf.writeInt32BE(oid, 8);
  buf.writeInt32BE(length, 12);
  buf.writeInt32BE(1, 16);
  return { buf, offset: 20 };
}

/** float8[]; every value must be a number (NaN and ±Infinity travel as such). */
export function float8Array(values: readonly number[]): Buffer {
  const { buf, offset } = header(OID.float8, values.length, values.length * 12);
  let o = offset;
  for (const v of values) {
    o = buf.writeInt32BE(8, o);
    o = buf.writeDoubleBE(v, o);
  }
  return buf;
}

/** int4[]; every value must be a 32-bit integer. */
export function int4Array(values: readonly number[]): Buffer {
  const { buf, offset } = header(OID.int4, values.length, values.length * 8);
  let o = offset;
  for (const v of values) {
    if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) throw new RangeError(`not an int4: ${v}`);
    o = buf.writeInt32BE(4, o);
    o = buf.writeInt32BE(v, o);
  }
  return buf;
}

/** Hex digit values by UTF-16 code unit (-1: not a hex digit), so a lookup needs no range check. */
const HEX = new Int8Array(65536).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX['0123456789abcdef'.charCodeAt(i)] = i;
  HEX['0123456789ABCDEF'.charCodeAt(i)] = i;
}
/** Where the dashes of a canonical 8-4-4-4-12 uuid are. */
const DASH = 45;

/**
 * uuid[] from canonical 8-4-4-4-12 hex strings. Parsed by char code (a full re-match sends millions
 * of ids: a regular expression and five hex writes per id were most of building a write's parameters).
 */
export function uuidArray(ids: readonly string[]): Buffer {
  const { buf, offset } = header(OID.uuid, ids.length, ids.length * 20);
  let o = offset;
  for (const id of ids) {
    o = buf.writeInt32BE(16, o);
    o = writeUuid(buf, o, id);
  }
  return buf;
}

/** Writes a canonical 8-4-4-4-12 uuid's 16 bytes at `o`; returns the offset after them. */
export function writeUuid(buf: Buffer, o: number, id: string): number {
  if (
    id.length !== 36 ||
    id.charCodeAt(8) !== DASH ||
    id.charCodeAt(13) !== DASH ||
    id.charCodeAt(18) !== DASH ||
    id.charCodeAt(23) !== DASH
  ) {
    throw new RangeError(`not a uuid: ${id}`);
  }
  // Any digit that is not hex reads as -1 and leaves `bad` negative; checked once at the end.
  let bad = 0;
  for (let i = 0; i < 36; i += 2) {
    if (i === 8 || i === 13 || i === 18 || i === 23) i++;
    const h = HEX[id.charCodeAt(i)];
    const l = HEX[id.charCodeAt(i + 1)];
    bad |= h | l;
    buf[o++] = (h << 4) | (l & 15);
  }
  if (bad < 0) throw new RangeError(`not a uuid: ${id}`);
  return o;
}

/**
 * text[] (UTF-8); no element may be null. Columns like category, unit and mode repeat a handful of
 * values, so each distinct value is encoded once.
 */
export function textArray(values: readonly string[]): Buffer {
  const encoded = new Map<string, Buffer>();
  let bytes = 0;
  for (const v of values) {
    let e = encoded.get(v);
    if (!e) encoded.set(v, (e = Buffer.from(v, 'utf8')));
    bytes += 4 + e.length;
  }
  const { buf, offset } = header(OID.text, values.length, bytes);
  let o = offset;
  for (const v of values) {
    const e = encoded.get(v)!;
    o = buf.writeInt32BE(e.length, o);
    o += e.copy(buf, o);
  }
  return buf;
}

/** Bits of the UUIDv7 counter: the 12 of rand_a and the first 14 of rand_b (RFC 9562 §6.2, method 1). */
const V7_COUNTER_BITS = 26;
const v7Clock = { ms: 0, counter: 0 };

/**
 * uuid[] of `count` new time-ordered ids (UUIDv7, RFC 9562): a 48-bit Unix millisecond timestamp, then
 * a counter that orders the ids of one millisecond, then 48 random bits. New match rows get these so
 * the primary-key index takes them at its right-hand end instead of on a random leaf each (random
 * v4 ids made a bulk insert of 1.2 million matches 11 % slower here). Ids keep increasing within the
 * process even if the clock steps back: the last millisecond used is carried on.
 */
export function uuidV7Array(count: number, nowMs: number = Date.now()): Buffer {
  const { buf, offset } = header(OID.uuid, count, count * 20);
  const random = randomBytes(count * 6);
  let ms = Math.max(nowMs, v7Clock.ms);
  let counter = ms === v7Clock.ms ? v7Clock.counter : -1;
  let o = offset;
  for (let i = 0; i < count; i++) {
    if (++counter >= 2 ** V7_COUNTER_BITS) {
      ms++;
      counter = 0;
    }
    o = buf.writeInt32BE(16, o);
    buf.writeUIntBE(ms, o, 6);
    buf[o + 6] = 0x70 | (counter >>> 22);
    buf[o + 7] = (counter >>> 14) & 0xff;
    buf[o + 8] = 0x80 | ((counter >>> 8) & 0x3f);
    buf[o + 9] = counter & 0xff;
    // Byte by byte: a Buffer copy call per id cost more than the six bytes it moves.
    for (let j = 0; j < 6; j++) buf[o + 10 + j] = random[i * 6 + j];
    o += 16;
  }
  v7Clock.ms = ms;
  v7Clock.counter = counter;
  return buf;
}
