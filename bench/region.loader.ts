/**
 * Fast set-based loader for a generated region: one `INSERT … SELECT FROM unnest(…)` per batch of
 * column arrays (no per-row round trips, no ORM). Rows respect every constraint of the migrations
 * (registration numbers, region codes and boxes, counterfactual and material checks).
 */
import type { ClientBase } from 'pg';
import type { GeneratedCompany, GeneratedSite, GeneratedStream, Region } from './region.generator';

export interface LoadResult {
  companies: number;
  sites: number;
  streams: number;
  ms: number;
}

/** Streams are loaded as matched at their version (matched_version = version): nothing is dirty. */
export interface LoadOptions {
  batchSize?: number;
  /** 0 leaves the streams dirty (the sweeper would enqueue them all); default 1 = clean. */
  matchedVersion?: number;
}

function columns<T, K extends string>(rows: readonly T[], pick: Record<K, (r: T) => unknown>) {
  const keys = Object.keys(pick) as K[];
  const out = Object.fromEntries(keys.map((k) => [k, [] as unknown[]])) as Record<K, unknown[]>;
  for (const r of rows) for (const k of keys) out[k].push(pick[k](r));
  return keys.map((k) => out[k]);
}

export async function insertCompanies(db: ClientBase, rows: readonly GeneratedCompany[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO companies (id, name, country, registration_number, nace_code)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[])`,
    columns(rows, {
      id: (r) => r.id,
      name: (r) => r.name,
      country: (r) => r.country,
      reg: (r) => r.registrationNumber,
      nace: (r) => r.naceCode,
    }),
  );
}

export async function insertSites(db: ClientBase, rows: readonly GeneratedSite[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO sites (id, company_id, name, latitude, longitude, region, country, municipality, has_quay, has_rail)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::float8[], $5::float8[], $6::text[], $7::text[],
       $8::text[], $9::bool[], $10::bool[])`,
    columns(rows, {
      id: (r) => r.id,
      company: (r) => r.companyId,
      name: (r) => r.name,
      lat: (r) => r.latitude,
      lon: (r) => r.longitude,
      region: (r) => r.region,
      country: (r) => r.country,
      municipality: (r) => r.municipality,
      quay: (r) => r.hasQuay,
      rail: (r) => r.hasRail,
    }),
  );
}

export async function insertStreams(
  db: ClientBase,
  rows: readonly GeneratedStream[],
  matchedVersion = 1,
): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO streams (id, site_id, company_id, direction, category, title, description, quantity_amount,
       quantity_unit, full_load_hours, annual_quantity, canonical_unit, quality, material_type, current_handling,
       current_source, available_from, available_until, max_distance_km, regulatory_status, ewc_code, visibility,
       status, version, matched_version, latitude, longitude, country, has_quay, has_rail)
     SELECT t.id, t.site, t.company, t.direction, t.category, t.title, t.description, t.amount, t.unit, t.flh,
       t.annual, t.canonical, t.quality::jsonb, t.material, t.handling, t.source, t.afrom, t.auntil, t.maxkm,
       t.regulatory, t.ewc, t.visibility, t.status, 1, $29::int, t.lat, t.lon, t.country, t.quay, t.rail
     FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[],
       $8::float8[], $9::text[], $10::float8[], $11::float8[], $12::text[], $13::text[], $14::text[], $15::text[],
       $16::text[], $17::date[], $18::date[], $19::float8[], $20::text[], $21::text[], $22::text[], $23::text[],
       $24::float8[], $25::float8[], $26::text[], $27::bool[], $28::bool[])
       AS t(id, site, company, direction, category, title, description, amount, unit, flh, annual, canonical,
            quality, material, handling, source, afrom, auntil, maxkm, regulatory, ewc, visibility, status,
            lat, lon, country, quay, rail)`,
    [
      ...columns(rows, {
        id: (r) => r.id,
        site: (r) => r.siteId,
        company: (r) => r.companyId,
        direction: (r) => r.direction,
        category: (r) => r.category,
        title: (r) => r.title,
        description: (r) => r.description,
        amount: (r) => r.quantity.amount,
        unit: (r) => r.quantity.unit,
        flh: (r) => r.quantity.fullLoadHours ?? null,
        annual: (r) => r.annualQuantity,
        canonical: (r) => r.canonicalUnit,
        quality: (r) => JSON.stringify(r.quality),
        material: (r) => r.materialType,
        handling: (r) => r.currentHandling,
        source: (r) => r.currentSource,
        afrom: (r) => r.availableFrom,
        auntil: (r) => r.availableUntil,
        maxkm: (r) => r.maxDistanceKm,
        regulatory: (r) => r.regulatoryStatus,
        ewc: (r) => r.ewcCode,
        visibility: (r) => r.visibility,
        status: (r) => r.status,
        lat: (r) => r.latitude,
        lon: (r) => r.longitude,
        country: (r) => r.country,
        quay: (r) => r.hasQuay,
        rail: (r) => r.hasRail,
      }),
      matchedVersion,
    ],
  );
}

/** Loads companies, sites and streams in batches, inside one transaction. */
export async function loadRegion(
  db: ClientBase,
  region: Region,
  options: LoadOptions = {},
): Promise<LoadResult> {
  const batch = options.batchSize ?? 10_000;
  const started = performance.now();
  await db.query('BEGIN');
  try {
    for (let i = 0; i < region.companies.length; i += batch) {
      await insertCompanies(db, region.companies.slice(i, i + batch));
    }
    for (let i = 0; i < region.sites.length; i += batch) {
      await insertSites(db, region.sites.slice(i, i + batch));
    }
    for (let i = 0; i < region.streams.length; i += batch) {
      await insertStreams(db, region.streams.slice(i, i + batch), options.matchedVersion ?? 1);
    }
    await db.query('COMMIT');
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
  await db.query('ANALYZE companies; ANALYZE sites; ANALYZE streams');
  return {
    companies: region.companies.length,
    sites: region.sites.length,
    streams: region.streams.length,
    ms: performance.now() - started,
  };
}
