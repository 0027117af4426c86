import { EntityManager } from 'typeorm';

/**
 * Rewrites the site facts (coordinates, country, quay, rail) copied onto a site's streams from the
 * site row, bumping the version of each stream whose facts changed (a draft stays clean: it has no
 * matches). Run it in the transaction that changed the site. Returns the streams left dirty.
 */
export async function refreshStreamSiteFacts(
  manager: EntityManager,
  siteId: string,
): Promise<{ streamId: string; version: number }[]> {
  const rows = (await manager.query(
    `WITH moved AS (
       UPDATE streams s
          SET latitude = si.latitude, longitude = si.longitude, country = si.country,
              has_quay = si.has_quay, has_rail = si.has_rail, version = s.version + 1,
              matched_version = CASE WHEN s.status = 'draft' THEN s.version + 1 ELSE s.matched_version END,
              updated_at = now()
         FROM sites si
        WHERE si.id = $1 AND s.site_id = si.id
          AND (s.latitude, s.longitude, s.country, s.has_quay, s.has_rail)
              IS DISTINCT FROM (si.latitude, si.longitude, si.country, si.has_quay, si.has_rail)
       RETURNING s.id, s.version, s.matched_version)
     SELECT id AS "streamId", version, matched_version < version AS dirty FROM moved ORDER BY id`,
    [siteId],
  )) as { streamId: string; version: number; dirty: boolean }[];
  return rows.filter((r) => r.dirty).map(({ streamId, version }) => ({ streamId, version }));
}
