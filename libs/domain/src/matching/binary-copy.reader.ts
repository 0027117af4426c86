/**
 * Where each row of PostgreSQL's binary COPY data starts (at its field count), found by walking every
 * field's length from the 19-byte header to the -1 trailer: for tests that read the rows the writer sends.
 */
export function copyRowStarts(data: Buffer): number[] {
  const starts: number[] = [];
  let o = 19;
  for (let fields = data.readInt16BE(o); fields !== -1; fields = data.readInt16BE(o)) {
    starts.push(o);
    o += 2;
    for (let f = 0; f < fields; f++) o += 4 + Math.max(data.readInt32BE(o), 0);
  }
  return starts;
}
