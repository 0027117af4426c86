import { createHash } from 'node:crypto';
import { Role } from './user.entity';

/** Who is calling, resolved once per request by the API's guard and passed to every service call. */
export interface Principal {
  userId: string;
  email: string;
  role: Role;
  /** Set for officers: the one company whose data they may see. */
  companyId: string | null;
  /** Set for province users: the one region whose reports they may pull. */
  region: string | null;
  via: 'jwt' | 'api_key';
}

/**
 * API key secrets are 256-bit random strings, so a fast hash is enough (no dictionary to attack);
 * passwords, which are low-entropy, use argon2id instead.
 */
export function hashApiKeySecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** `sym_<prefix>_<secret>`: the prefix finds the row, the secret is checked against its hash. */
export function parseApiKey(raw: string): { prefix: string; secret: string } | null {
  const match = /^sym_([A-Za-z0-9]{8,16})_([A-Za-z0-9_-]{32,128})$/.exec(raw.trim());
  return match ? { prefix: match[1], secret: match[2] } : null;
}
