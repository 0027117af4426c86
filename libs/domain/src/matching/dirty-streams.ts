import { DataSource } from 'typeorm';

/** The outbox: streams whose matches are older than their version, oldest change first. */
export async function findDirtyStreams(
  db: DataSource,
  limit: number,
  olderThanMs = 0,
): Promise<{ streamId: string; version: number }[]> {
  const rows: { id: string; version: number }[] = await db.query(
    `SELECT id, version FROM streams
     WHERE matched_version < version AND updated_at <= now() - ($2::int * interval '1 millisecond')
     ORDER BY updated_at LIMIT $1`,
    [limit, olderThanMs],
  );
  return rows.map((r) => ({ streamId: r.id, version: r.version }));
}
