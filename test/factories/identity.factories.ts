/**
 * Builders for identity rows, inserted straight into Postgres with one set-based statement per
 * call (multi-row `INSERT ... SELECT FROM unnest(...)`), so suites can create hundreds of rows
 * fast. Every field has a sensible default; pass overrides for what your test cares about.
 *
 *   const company = await createCompany(db);                         // Belgian, random valid KBO number
 *   const site = await createSite(db, { companyId: company.id, ...SITE_LOCATIONS.terneuzen });
 *   const officer = await createUser(db, { role: 'officer', companyId: company.id });
 *   const token = await loginAs(api, officer);                       // see auth.factories.ts
 *
 * Rows are never cleaned up: tests share one database (and run in parallel), so always create
 * your own rows and never assume a table is empty.
 */
import { belgianEnterpriseNumber, Country, hashApiKeySecret, hashPassword, Role } from '@symbiose/domain';
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';

/** The password every factory user gets unless told otherwise (≥ 12 characters). */
export const DEFAULT_PASSWORD = 'factory-password-0001';

/** A short random tag for unique names and e-mail addresses. */
export function uniqueTag(): string {
  return randomBytes(5).toString('hex');
}

// ---- companies -----------------------------------------------------------------------------------

export interface CompanySpec {
  id?: string;
  name?: string;
  country?: Country;
  /** Digits only (BE: 10 with mod-97 check, NL: 8). Random and unique when omitted. */
  registrationNumber?: string;
  naceCode?: string;
}

export interface TestCompany {
  id: string;
  name: string;
  country: Country;
  registrationNumber: string;
  naceCode: string;
}

function randomRegistrationNumber(country: Country): string {
  return country === 'BE'
    ? belgianEnterpriseNumber(randomInt(2_000_000, 20_000_000))
    : String(randomInt(10_000_000, 100_000_000));
}

/** Inserts companies in one statement (retrying random registration numbers that collide). */
export async function createCompanies(db: DataSource, specs: CompanySpec[]): Promise<TestCompany[]> {
  const rows: TestCompany[] = specs.map((spec) => {
    const country = spec.country ?? 'BE';
    return {
      id: spec.id ?? randomUUID(),
      name: spec.name ?? `Test Company ${uniqueTag()}`,
      country,
      registrationNumber: spec.registrationNumber ?? randomRegistrationNumber(country),
      naceCode: spec.naceCode ?? '20.14',
    };
  });
  let pending = rows.map((row, index) => ({ row, index }));
  for (let attempt = 0; pending.length > 0; attempt++) {
    const inserted: { id: string }[] = await db.query(
      `INSERT INTO companies (id, name, country, registration_number, nace_code)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[])
       ON CONFLICT (country, registration_number) DO NOTHING
       RETURNING id`,
      [
        pending.map((p) => p.row.id),
        pending.map((p) => p.row.name),
        pending.map((p) => p.row.country),
        pending.map((p) => p.row.registrationNumber),
        pending.map((p) => p.row.naceCode),
      ],
    );
    const done = new Set(inserted.map((r) => r.id));
    pending = pending.filter((p) => !done.has(p.row.id));
    for (const p of pending) {
      if (specs[p.index].registrationNumber || attempt >= 5) {
        throw new Error(`createCompanies: registration number ${p.row.registrationNumber} is taken`);
      }
      p.row.registrationNumber = randomRegistrationNumber(p.row.country);
    }
  }
  return rows;
}

export async function createCompany(db: DataSource, overrides: CompanySpec = {}): Promise<TestCompany> {
  return (await createCompanies(db, [overrides]))[0];
}

// ---- sites ---------------------------------------------------------------------------------------

export interface SiteLocation {
  latitude: number;
  longitude: number;
  region: string;
  municipality: string;
}

/** Real places in and around the Ghent–Terneuzen canal zone (and a few further away). */
export const SITE_LOCATIONS = {
  gent: { latitude: 51.1, longitude: 3.77, region: 'BE-VOV', municipality: 'Gent' },
  zelzate: { latitude: 51.2, longitude: 3.81, region: 'BE-VOV', municipality: 'Zelzate' },
  terneuzen: { latitude: 51.33, longitude: 3.83, region: 'NL-ZE', municipality: 'Terneuzen' },
  vlissingen: { latitude: 51.45, longitude: 3.6, region: 'NL-ZE', municipality: 'Vlissingen' },
  antwerpen: { latitude: 51.28, longitude: 4.34, region: 'BE-VAN', municipality: 'Antwerpen' },
  rotterdam: { latitude: 51.95, longitude: 4.14, region: 'NL-ZH', municipality: 'Rotterdam' },
  geleen: { latitude: 50.97, longitude: 5.79, region: 'NL-LI', municipality: 'Sittard-Geleen' },
} satisfies Record<string, SiteLocation>;

export interface SiteSpec extends Partial<SiteLocation> {
  companyId: string;
  id?: string;
  name?: string;
  hasQuay?: boolean;
  hasRail?: boolean;
}

export interface TestSite extends SiteLocation {
  id: string;
  companyId: string;
  name: string;
  country: Country;
  hasQuay: boolean;
  hasRail: boolean;
}

/** Inserts sites in one statement; defaults to Ghent (BE-VOV). The country follows the region. */
export async function createSites(db: DataSource, specs: SiteSpec[]): Promise<TestSite[]> {
  const rows: TestSite[] = specs.map((spec) => {
    const location = { ...SITE_LOCATIONS.gent, ...definedOnly(spec) };
    return {
      id: spec.id ?? randomUUID(),
      companyId: spec.companyId,
      name: spec.name ?? `Test Site ${uniqueTag()}`,
      latitude: location.latitude,
      longitude: location.longitude,
      region: location.region,
      country: location.region.slice(0, 2) as Country,
      municipality: location.municipality,
      hasQuay: spec.hasQuay ?? false,
      hasRail: spec.hasRail ?? false,
    };
  });
  await db.query(
    `INSERT INTO sites (id, company_id, name, latitude, longitude, region, country, municipality, has_quay, has_rail)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::float8[], $5::float8[], $6::text[],
                          $7::text[], $8::text[], $9::bool[], $10::bool[])`,
    [
      rows.map((r) => r.id),
      rows.map((r) => r.companyId),
      rows.map((r) => r.name),
      rows.map((r) => r.latitude),
      rows.map((r) => r.longitude),
      rows.map((r) => r.region),
      rows.map((r) => r.country),
      rows.map((r) => r.municipality),
      rows.map((r) => r.hasQuay),
      rows.map((r) => r.hasRail),
    ],
  );
  return rows;
}

export async function createSite(db: DataSource, spec: SiteSpec): Promise<TestSite> {
  return (await createSites(db, [spec]))[0];
}

// ---- users ---------------------------------------------------------------------------------------

export interface UserSpec {
  role: Role;
  /** Required for officers (and only for them). */
  companyId?: string;
  /** Required for province users (and only for them); defaults to BE-VOV. */
  region?: string;
  id?: string;
  email?: string;
  password?: string;
  disabled?: boolean;
}

export interface TestUser {
  id: string;
  email: string;
  /** The plain password, so tests can log in. */
  password: string;
  role: Role;
  companyId: string | null;
  region: string | null;
}

const hashes = new Map<string, Promise<string>>();

/** argon2 is slow on purpose; hash each distinct password once per test file. */
export function cachedPasswordHash(password: string): Promise<string> {
  let hash = hashes.get(password);
  if (!hash) {
    hash = hashPassword(password);
    hashes.set(password, hash);
  }
  return hash;
}

/** Inserts users in one statement. Officers need `companyId`; province users get `region` BE-VOV by default. */
export async function createUsers(db: DataSource, specs: UserSpec[]): Promise<TestUser[]> {
  const rows = await Promise.all(
    specs.map(async (spec) => {
      if (spec.role === 'officer' && !spec.companyId)
        throw new Error('createUsers: officers need a companyId');
      const password = spec.password ?? DEFAULT_PASSWORD;
      return {
        user: {
          id: spec.id ?? randomUUID(),
          email: (spec.email ?? `${spec.role}.${uniqueTag()}@factory.test`).toLowerCase(),
          password,
          role: spec.role,
          companyId: spec.role === 'officer' ? (spec.companyId ?? null) : null,
          region: spec.role === 'province' ? (spec.region ?? 'BE-VOV') : null,
        } satisfies TestUser,
        hash: await cachedPasswordHash(password),
        disabled: spec.disabled ?? false,
      };
    }),
  );
  await db.query(
    `INSERT INTO users (id, email, password_hash, role, company_id, region, disabled_at)
     SELECT id, email, hash, role, company_id, region, CASE WHEN disabled THEN now() END
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::text[], $7::bool[])
         AS u(id, email, hash, role, company_id, region, disabled)`,
    [
      rows.map((r) => r.user.id),
      rows.map((r) => r.user.email),
      rows.map((r) => r.hash),
      rows.map((r) => r.user.role),
      rows.map((r) => r.user.companyId),
      rows.map((r) => r.user.region),
      rows.map((r) => r.disabled),
    ],
  );
  return rows.map((r) => r.user);
}

export async function createUser(db: DataSource, spec: UserSpec): Promise<TestUser> {
  return (await createUsers(db, [spec]))[0];
}

// ---- API keys ------------------------------------------------------------------------------------

export interface TestApiKey {
  id: string;
  userId: string;
  prefix: string;
  /** The full `sym_<prefix>_<secret>` key for the X-Api-Key header. */
  key: string;
}

/** Inserts an API key for a user (hashed like the API does); `revoked: true` for a dead key. */
export async function createApiKey(
  db: DataSource,
  userId: string,
  options: { name?: string; revoked?: boolean } = {},
): Promise<TestApiKey> {
  const prefix = randomBytes(9)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, 'x')
    .slice(0, 12);
  const secret = randomBytes(32).toString('base64url');
  const rows: { id: string }[] = await db.query(
    `INSERT INTO api_keys (user_id, name, prefix, secret_hash, revoked_at)
     VALUES ($1, $2, $3, $4, CASE WHEN $5::bool THEN now() END) RETURNING id`,
    [
      userId,
      options.name ?? `key ${uniqueTag()}`,
      prefix,
      hashApiKeySecret(secret),
      options.revoked ?? false,
    ],
  );
  return { id: rows[0].id, userId, prefix, key: `sym_${prefix}_${secret}` };
}

// ---- tenants -------------------------------------------------------------------------------------

export interface TestTenant {
  company: TestCompany;
  sites: TestSite[];
  officer: TestUser;
}

/**
 * A company with `sites` sites (default 1, at `location`, default Ghent) and one officer: the usual
 * starting point for a test about one company's data.
 */
export async function createTenant(
  db: DataSource,
  options: { company?: CompanySpec; sites?: number; location?: SiteLocation } = {},
): Promise<TestTenant> {
  const company = await createCompany(db, options.company);
  const location = options.location ?? SITE_LOCATIONS.gent;
  const [sites, officer] = await Promise.all([
    createSites(
      db,
      Array.from({ length: options.sites ?? 1 }, () => ({ companyId: company.id, ...location })),
    ),
    createUser(db, { role: 'officer', companyId: company.id }),
  ]);
  return { company, sites, officer };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
