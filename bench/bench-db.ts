/**
 * The benchmarks' own database (created and migrated with migrateDatabase) and the users they act
 * as. Tokens are minted with the same secret the API was started with (as test/factories do with the
 * API's JwtService), so no login (argon2, throttling) is on any measured path.
 */
import { JwtService } from '@nestjs/jwt';
import { splitDatabaseUrl } from '@symbiose/core';
import { hashPassword, migrateDatabase } from '@symbiose/domain';
import { Client } from 'pg';
import { deterministicUuid, ID_KIND } from './random';

export async function prepareDatabase(databaseUrl: string): Promise<void> {
  await migrateDatabase({ DATABASE_URL: databaseUrl });
}

/**
 * Drops the benchmarks' database (only ever a bench database: its name must contain "bench") and
 * creates and migrates it afresh, so the schema is exactly what the current migrations build.
 */
export async function recreateDatabase(databaseUrl: string): Promise<void> {
  await dropDatabase(databaseUrl);
  await migrateDatabase({ DATABASE_URL: databaseUrl });
}

export async function connect(databaseUrl: string): Promise<Client> {
  const client = new Client({ connectionString: databaseUrl });
  // A dropped connection must surface as a failed query, not as an unhandled 'error' event.
  client.on('error', (err) => console.error(`[bench] database connection: ${err.message}`));
  await client.connect();
  return client;
}

/** Drops a bench database (its name must contain "bench"); for tests that create their own. */
export async function dropDatabase(databaseUrl: string): Promise<void> {
  const { database, maintenanceUrl } = splitDatabaseUrl(databaseUrl);
  if (!database.includes('bench')) throw new Error(`refusing to drop ${database}: not a bench database`);
  const admin = new Client({ connectionString: maintenanceUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** Empties every table the benchmarks write (the schema and migrations stay). */
export async function resetDatabase(db: Client): Promise<void> {
  await db.query(
    `TRUNCATE matches, match_events, match_runs, idempotency_keys, streams, api_keys, users, sites, companies CASCADE`,
  );
}

export interface BenchUser {
  id: string;
  role: 'coordinator' | 'officer';
  companyId: string | null;
}

let passwordHash: string | null = null;

/** Coordinator plus one officer per company given (idempotent: existing rows are kept). */
export async function createUsers(
  db: Client,
  seed: number,
  companyIds: readonly string[],
  firstIndex = 0,
): Promise<{ coordinator: BenchUser; officers: Map<string, BenchUser> }> {
  passwordHash ??= await hashPassword('benchmark-user-password-not-used');
  const coordinator: BenchUser = {
    id: deterministicUuid(seed, ID_KIND.user, 0),
    role: 'coordinator',
    companyId: null,
  };
  const officers = new Map<string, BenchUser>();
  companyIds.forEach((companyId, i) =>
    officers.set(companyId, {
      id: deterministicUuid(seed, ID_KIND.user, 1 + firstIndex + i),
      role: 'officer',
      companyId,
    }),
  );
  const all = [coordinator, ...officers.values()];
  await db.query(
    `INSERT INTO users (id, email, password_hash, role, company_id)
     SELECT t.id, 'bench-' || t.id || '@bench.symbiose.local', $4, t.role, t.company
     FROM unnest($1::uuid[], $2::text[], $3::uuid[]) AS t(id, role, company)
     ON CONFLICT DO NOTHING`,
    [all.map((u) => u.id), all.map((u) => u.role), all.map((u) => u.companyId), passwordHash],
  );
  return { coordinator, officers };
}

/** Signs access tokens the way the API's JwtService does ({sub, typ: 'access'}, HS256). */
export class TokenMinter {
  private readonly jwt: JwtService;

  constructor(secret: string) {
    this.jwt = new JwtService({ secret, signOptions: { algorithm: 'HS256', expiresIn: 4 * 3600 } });
  }

  tokenFor(user: { id: string }): string {
    return this.jwt.sign({ sub: user.id, typ: 'access' });
  }
}
