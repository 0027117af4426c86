/**
 * One-dimensional Postgres arrays in the binary wire format (array_send/array_recv), for the matcher's
 * unnest writes of millions of rows. node-postgres sends a Buffer parameter in binary format, so a
 * float8[] travels as 8 bytes per value instead of a decimal literal that node formats and Postgres
 * parses again: that round of formatting and parsing was ~40 % of a bulk match write.
 */

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
