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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** uuid[] from canonical 8-4-4-4-12 hex strings. */
export function uuidArray(ids: readonly string[]): Buffer {
  const { buf, offset } = header(OID.uuid, ids.length, ids.length * 20);
  let o = offset;
  for (const id of ids) {
    if (!UUID.test(id)) throw new RangeError(`not a uuid: ${id}`);
    o = buf.writeInt32BE(16, o);
    o += buf.write(id.slice(0, 8), o, 'hex');
    o += buf.write(id.slice(9, 13), o, 'hex');
    o += buf.write(id.slice(14, 18), o, 'hex');
    o += buf.write(id.slice(19, 23), o, 'hex');
    o += buf.write(id.slice(24, 36), o, 'hex');
  }
  return buf;
}

/** text[] (UTF-8); no element may be null. */
export function textArray(values: readonly string[]): Buffer {
  let bytes = 0;
  for (const v of values) bytes += 4 + Buffer.byteLength(v, 'utf8');
  const { buf, offset } = header(OID.text, values.length, bytes);
  let o = offset;
  for (const v of values) {
    const at = o + 4;
    const n = buf.write(v, at, 'utf8');
    buf.writeInt32BE(n, o);
    o = at + n;
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
    random.copy(buf, o + 10, i * 6, i * 6 + 6);
    o += 16;
  }
  v7Clock.ms = ms;
  v7Clock.counter = counter;
  return buf;
}
