import { AppConfig, JobName, JobQueue } from '@symbiose/core';
import type { Category, Direction } from '@symbiose/engine';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { belgianEnterpriseNumber } from '../identity/company.rules';
import { ensureFirstAdmin, FirstAdminResult } from '../identity/first-admin';
import { hashPassword } from '../identity/passwords';
import type { StreamInput } from '../streams/stream-input';
import {
  anyFieldDiffers,
  matchingFieldsDiffer,
  STREAM_COLUMN_NAMES,
  streamColumns,
  StreamColumns,
} from '../streams/stream-mapping';
import { regionDate, streamInputErrors } from '../streams/stream-rules';
import { refreshStreamSiteFacts } from '../streams/stream-site-facts';
import region from './sdr-region.json';

/**
 * DEMO ONLY. Every demo user gets this password, printed by `npm run seed:demo`. The seed refuses to
 * run with NODE_ENV=production, and never resets the password of a user that already exists.
 */
export const DEMO_PASSWORD = 'symbiose-demo-2026';

/** All demo users' e-mail addresses end in this domain. */
export const DEMO_EMAIL_DOMAIN = 'demo.symbiose.local';

/** Serializes concurrent seeds (arbitrary constant, distinct from the migration and matching locks). */
const SEED_LOCK_ID = 7_356_110_044;

interface RegionFile {
  about: string;
  regions: Record<string, string>;
  companies: {
    key: string;
    name: string;
    country: 'BE' | 'NL';
    naceCode: string;
    sites: {
      key: string;
      name: string;
      lat: number;
      lon: number;
      region: string;
      municipality: string;
      hasQuay: boolean;
      hasRail: boolean;
    }[];
  }[];
  streams: ({
    site: string;
    direction: Direction;
    category: Category;
    title: string;
    quantity: { amount: number; unit: string; fullLoadHours?: number };
    currentHandling?: string;
    currentSource?: string;
    regulatoryStatus?: string;
    basis?: string;
  } & Partial<Record<Category, Record<string, unknown>>>)[];
}

/** The demo region of Smart Delta Resources (a copy of shared/reference/sdr-region.json). */
export const DEMO_REGION = region as RegionFile;

export interface DemoCredential {
  email: string;
  password: string;
  role: string;
  company?: string;
  region?: string;
}

export interface SeedCounts {
  created: number;
  updated: number;
  unchanged: number;
}

export interface DemoSeedResult {
  companies: SeedCounts;
  sites: SeedCounts;
  users: SeedCounts;
  streams: SeedCounts;
  admin: FirstAdminResult;
  credentials: DemoCredential[];
  /** Dirty streams (matchedVersion < version) for which a match-stream job was enqueued. */
  enqueued: number;
}

const counts = (): SeedCounts => ({ created: 0, updated: 0, unchanged: 0 });

/**
 * A registration number derived from the company's key, so it is stable whatever the order of the
 * file: NL KvK numbers in the unused 99xxxxxx range, BE enterprise numbers with a valid mod-97 check.
 */
export function demoRegistrationNumber(country: 'BE' | 'NL', key: string): string {
  const n = parseInt(createHash('sha256').update(key).digest('hex').slice(0, 8), 16) % 1_000_000;
  return country === 'NL' ? `99${String(n).padStart(6, '0')}` : belgianEnterpriseNumber(19_000_000 + n);
}

export const demoOfficerEmail = (companyKey: string) => `officer.${companyKey}@${DEMO_EMAIL_DOMAIN}`;
export const DEMO_COORDINATOR_EMAIL = `coordinator@${DEMO_EMAIL_DOMAIN}`;
export const demoProvinceEmail = (regionCode: string) =>
  `province.${regionCode.toLowerCase()}@${DEMO_EMAIL_DOMAIN}`;

/** The demo stream as a listing input (the `basis` note becomes its description). */
export function demoStreamInput(stream: RegionFile['streams'][number], siteId: string): StreamInput {
  return {
    siteId,
    direction: stream.direction,
    category: stream.category,
    title: stream.title,
    description: stream.basis ? `Basis: ${stream.basis}` : '',
    quantity: stream.quantity,
    [stream.category]: stream[stream.category],
    currentHandling: (stream.currentHandling ?? null) as StreamInput['currentHandling'],
    currentSource: (stream.currentSource ?? null) as StreamInput['currentSource'],
    regulatoryStatus: (stream.regulatoryStatus ?? null) as StreamInput['regulatoryStatus'],
    visibility: 'anonymous',
  };
}

/**
 * Loads the demo region: companies, their sites, one officer per company, a coordinator, a province
 * user for BE-VOV, the first admin, and the streams (active and dirty, so the worker matches them).
 * Idempotent: rows are found by natural key (company: country + registration number; site: company +
 * name; user: e-mail; stream: site + direction + category + title) and only written when they differ,
 * so a second run changes nothing. Runs in one transaction under an advisory lock.
 */
export async function seedDemo(
  db: DataSource,
  config: Pick<AppConfig, 'ADMIN_EMAIL' | 'ADMIN_PASSWORD' | 'NODE_ENV'>,
  options: { queue?: JobQueue | null } = {},
): Promise<DemoSeedResult> {
  if (config.NODE_ENV === 'production')
    throw new Error('seed:demo writes demo users with a known password; not in production');
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const admin = await ensureFirstAdmin(db, config);
  const result = await db.transaction(async (m) => {
    await m.query('SELECT pg_advisory_xact_lock($1)', [SEED_LOCK_ID]);
    return seedRows(m, passwordHash);
  });
  let enqueued = 0;
  if (options.queue) {
    for (const s of result.dirty) {
      if (await options.queue.addBestEffort(JobName.MatchStream, s)) enqueued += 1;
    }
  }
  return { ...result.summary, admin, enqueued };
}

async function seedRows(m: EntityManager, passwordHash: string) {
  const summary = {
    companies: counts(),
    sites: counts(),
    users: counts(),
    streams: counts(),
    credentials: [] as DemoCredential[],
  };
  const siteIds = new Map<string, string>();
  const companyIds = new Map<string, string>();

  for (const company of DEMO_REGION.companies) {
    const registrationNumber = demoRegistrationNumber(company.country, company.key);
    const companyId = await upsert(
      m,
      summary.companies,
      'companies',
      { country: company.country, registration_number: registrationNumber },
      { name: company.name, nace_code: company.naceCode },
    );
    companyIds.set(company.key, companyId);
    for (const site of company.sites) {
      const values = {
        latitude: site.lat,
        longitude: site.lon,
        region: site.region,
        country: site.region.slice(0, 2),
        municipality: site.municipality,
        has_quay: site.hasQuay,
        has_rail: site.hasRail,
      };
      const before = summary.sites.updated;
      const siteId = await upsert(
        m,
        summary.sites,
        'sites',
        { company_id: companyId, name: site.name },
        values,
      );
      // A moved site carries its streams' copied facts along (and bumps their versions).
      if (summary.sites.updated > before) await refreshStreamSiteFacts(m, siteId);
      siteIds.set(site.key, siteId);
    }
    const email = demoOfficerEmail(company.key);
    await upsertUser(m, summary.users, email, passwordHash, {
      role: 'officer',
      company_id: companyId,
      region: null,
    });
    summary.credentials.push({ email, password: DEMO_PASSWORD, role: 'officer', company: company.name });
  }
  await upsertUser(m, summary.users, DEMO_COORDINATOR_EMAIL, passwordHash, {
    role: 'coordinator',
    company_id: null,
    region: null,
  });
  summary.credentials.push({ email: DEMO_COORDINATOR_EMAIL, password: DEMO_PASSWORD, role: 'coordinator' });
  const provinceEmail = demoProvinceEmail('BE-VOV');
  await upsertUser(m, summary.users, provinceEmail, passwordHash, {
    role: 'province',
    company_id: null,
    region: 'BE-VOV',
  });
  summary.credentials.push({
    email: provinceEmail,
    password: DEMO_PASSWORD,
    role: 'province',
    region: 'BE-VOV',
  });

  const companyOfSite = new Map<string, string>();
  for (const company of DEMO_REGION.companies) {
    for (const site of company.sites) companyOfSite.set(site.key, companyIds.get(company.key) as string);
  }
  const today = regionDate();
  for (const stream of DEMO_REGION.streams) {
    const siteId = siteIds.get(stream.site);
    if (!siteId) throw new Error(`demo stream "${stream.title}" names unknown site ${stream.site}`);
    const input = demoStreamInput(stream, siteId);
    const errors = streamInputErrors(input, { today, availableUntilSet: true });
    if (Object.keys(errors).length > 0) {
      throw new Error(`demo stream "${stream.title}" is invalid: ${JSON.stringify(errors)}`);
    }
    await upsertStream(m, summary.streams, input, companyOfSite.get(stream.site) as string);
  }

  const dirty = (await m.query(
    `SELECT s.id AS "streamId", s.version FROM streams s
      WHERE s.site_id = ANY($1::uuid[]) AND s.matched_version < s.version ORDER BY s.id`,
    [[...siteIds.values()]],
  )) as { streamId: string; version: number }[];
  return { summary, dirty };
}

/**
 * Finds a row by its natural key; inserts it when missing, updates the other columns when they
 * differ, else leaves it alone (so updated_at and everything else stay as they were).
 */
async function upsert(
  m: EntityManager,
  tally: SeedCounts,
  table: 'companies' | 'sites',
  key: Record<string, unknown>,
  values: Record<string, unknown>,
): Promise<string> {
  const keyCols = Object.keys(key);
  const valueCols = Object.keys(values);
  const keyParams = Object.values(key);
  const [existing] = (await m.query(
    `SELECT id, ${valueCols.map((c) => `${c} IS NOT DISTINCT FROM $${keyCols.length + valueCols.indexOf(c) + 1} AS "${c}"`).join(', ')}
       FROM ${table} WHERE ${keyCols.map((c, i) => `${c} = $${i + 1}`).join(' AND ')} FOR UPDATE`,
    [...keyParams, ...Object.values(values)],
  )) as ({ id: string } & Record<string, boolean>)[];
  if (!existing) {
    const cols = [...keyCols, ...valueCols];
    const [row] = (await m.query(
      `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
      [...keyParams, ...Object.values(values)],
    )) as { id: string }[];
    tally.created += 1;
    return row.id;
  }
  if (valueCols.every((c) => existing[c])) {
    tally.unchanged += 1;
    return existing.id;
  }
  await m.query(
    `UPDATE ${table} SET ${valueCols.map((c, i) => `${c} = $${i + 2}`).join(', ')}, updated_at = now() WHERE id = $1`,
    [existing.id, ...Object.values(values)],
  );
  tally.updated += 1;
  return existing.id;
}

/** Users by e-mail: created with the demo password; an existing user keeps its password. */
async function upsertUser(
  m: EntityManager,
  tally: SeedCounts,
  email: string,
  passwordHash: string,
  values: { role: string; company_id: string | null; region: string | null },
): Promise<void> {
  const [existing] = (await m.query(
    `SELECT id, role, company_id AS "companyId", region FROM users WHERE lower(email) = lower($1) FOR UPDATE`,
    [email],
  )) as { id: string; role: string; companyId: string | null; region: string | null }[];
  if (!existing) {
    await m.query(
      `INSERT INTO users (email, password_hash, role, company_id, region) VALUES ($1, $2, $3, $4, $5)`,
      [email, passwordHash, values.role, values.company_id, values.region],
    );
    tally.created += 1;
  } else if (
    existing.role !== values.role ||
    existing.companyId !== values.company_id ||
    existing.region !== values.region
  ) {
    await m.query(
      `UPDATE users SET role = $2, company_id = $3, region = $4, updated_at = now() WHERE id = $1`,
      [existing.id, values.role, values.company_id, values.region],
    );
    tally.updated += 1;
  } else {
    tally.unchanged += 1;
  }
}

/**
 * Streams by (site, direction, category, title). New ones are active and dirty (version 1, matched
 * version 0). A changed one is rewritten, its version bumped when matching-relevant fields changed;
 * its status is left as the demo users set it.
 */
async function upsertStream(m: EntityManager, tally: SeedCounts, input: StreamInput, companyId: string) {
  const columns = streamColumns(input);
  const [existing] = (await m.query(
    `SELECT id, ${STREAM_COLUMN_NAMES.join(', ')}, to_char(available_from, 'YYYY-MM-DD') AS available_from,
            to_char(available_until, 'YYYY-MM-DD') AS available_until
       FROM streams WHERE site_id = $1 AND direction = $2 AND category = $3 AND title = $4 FOR UPDATE`,
    [input.siteId, input.direction, input.category, columns.title],
  )) as ({ id: string } & StreamColumns)[];
  const params = STREAM_COLUMN_NAMES.map((k) => (k === 'quality' ? JSON.stringify(columns[k]) : columns[k]));
  if (!existing) {
    const cols = [...STREAM_COLUMN_NAMES, 'site_id', 'company_id', 'status', 'version', 'matched_version'];
    await m.query(
      `INSERT INTO streams (${cols.join(', ')}, latitude, longitude, country, has_quay, has_rail)
       SELECT ${cols.map((_, i) => `$${i + 1}`).join(', ')}, si.latitude, si.longitude, si.country, si.has_quay, si.has_rail
         FROM sites si WHERE si.id = $${STREAM_COLUMN_NAMES.length + 1}`,
      [...params, input.siteId, companyId, 'active', 1, 0],
    );
    tally.created += 1;
    return;
  }
  if (!anyFieldDiffers(existing, columns)) {
    tally.unchanged += 1;
    return;
  }
  const bump = matchingFieldsDiffer(existing, columns) ? 1 : 0;
  await m.query(
    `UPDATE streams SET ${STREAM_COLUMN_NAMES.map((c, i) => `${c} = $${i + 2}`).join(', ')},
       version = version + ${bump}, updated_at = now() WHERE id = $1`,
    [existing.id, ...params],
  );
  tally.updated += 1;
}
