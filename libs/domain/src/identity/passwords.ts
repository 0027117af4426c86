import * as argon2 from 'argon2';

/**
 * argon2id with the OWASP baseline (19 MiB, 2 passes, 1 lane). Hashes carry their parameters, so
 * raising these later only needs a rehash on the next successful login (see passwordNeedsRehash).
 */
export const PASSWORD_HASH_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 200;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, PASSWORD_HASH_OPTIONS);
}

let dummyHash: Promise<string> | undefined;

/** Computes the dummy hash ahead of the first login, so even that one has the usual timing. */
export async function warmUpPasswordVerification(): Promise<void> {
  dummyHash ??= hashPassword('dummy password for timing equalisation');
  await dummyHash;
}

/**
 * Verifies a password against a stored hash. With no hash (unknown e-mail) it verifies against a
 * dummy hash of the same cost, so an unknown account takes as long as a wrong password.
 */
export async function verifyPassword(
  storedHash: string | null | undefined,
  password: string,
): Promise<boolean> {
  if (!storedHash) {
    dummyHash ??= hashPassword('dummy password for timing equalisation');
    await argon2.verify(await dummyHash, password).catch(() => false);
    return false;
  }
  try {
    return await argon2.verify(storedHash, password);
  } catch {
    return false; // a malformed stored hash never authenticates
  }
}

export function passwordNeedsRehash(storedHash: string): boolean {
  try {
    return argon2.needsRehash(storedHash, PASSWORD_HASH_OPTIONS);
  } catch {
    return true;
  }
}
