import { AppConfig, EnvironmentVariables } from '@symbiose/core';
import { DataSource } from 'typeorm';
import { hashPassword } from './passwords';

export interface FirstAdminResult {
  created: boolean;
  userId: string | null;
  /** Set when a user with ADMIN_EMAIL exists but is not an admin (left untouched). */
  warning?: string;
}

/**
 * Makes sure a user with ADMIN_EMAIL exists, creating it as an admin with ADMIN_PASSWORD when
 * missing. Idempotent and safe under concurrent runs: an existing user (its role and password) is
 * never changed. Refuses to create an admin with the built-in demo password in production.
 */
export async function ensureFirstAdmin(
  dataSource: DataSource,
  config: Pick<AppConfig, 'ADMIN_EMAIL' | 'ADMIN_PASSWORD'> & Partial<Pick<AppConfig, 'NODE_ENV'>>,
): Promise<FirstAdminResult> {
  const email = config.ADMIN_EMAIL.trim().toLowerCase();
  const existing: { id: string; role: string }[] = await dataSource.query(
    `SELECT id, role FROM users WHERE lower(email) = $1`,
    [email],
  );
  if (existing[0]) return describeExisting(existing[0]);
  if (
    config.NODE_ENV === 'production' &&
    config.ADMIN_PASSWORD === new EnvironmentVariables().ADMIN_PASSWORD
  ) {
    throw new Error('ADMIN_PASSWORD: set a real password before creating the first admin in production');
  }
  const passwordHash = await hashPassword(config.ADMIN_PASSWORD);
  const inserted: { id: string }[] = await dataSource.query(
    `INSERT INTO users (email, password_hash, role) VALUES ($1, $2, 'admin')
     ON CONFLICT ((lower(email))) DO NOTHING RETURNING id`,
    [email, passwordHash],
  );
  if (inserted[0]) return { created: true, userId: inserted[0].id };
  // Another process created it between our SELECT and INSERT.
  const raced: { id: string; role: string }[] = await dataSource.query(
    `SELECT id, role FROM users WHERE lower(email) = $1`,
    [email],
  );
  return raced[0] ? describeExisting(raced[0]) : { created: false, userId: null };
}

function describeExisting(user: { id: string; role: string }): FirstAdminResult {
  return user.role === 'admin'
    ? { created: false, userId: user.id }
    : {
        created: false,
        userId: user.id,
        warning: `ADMIN_EMAIL belongs to an existing ${user.role} user; it was left unchanged`,
      };
}
