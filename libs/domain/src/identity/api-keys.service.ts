import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '@symbiose/core';
import { randomBytes } from 'node:crypto';
import { ApiKeyEntity } from './api-key.entity';
import { ApiKeyRepository } from './identity.repositories';
import { Paginated, PageRequest } from './page';
import { hashApiKeySecret, Principal } from './principal';

/** Bounds what one user (or a leaked session) can create; revoked keys do not count. */
export const MAX_ACTIVE_API_KEYS = 25;

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A fresh key `sym_<12 alphanumerics>_<43 base64url chars = 256 random bits>`. */
export function generateApiKey(): { prefix: string; secret: string; key: string } {
  // 62 letters; rejection sampling keeps every character uniform.
  let prefix = '';
  while (prefix.length < 12) {
    for (const byte of randomBytes(16)) {
      if (byte < 248 && prefix.length < 12) prefix += ALPHANUMERIC[byte % 62];
    }
  }
  const secret = randomBytes(32).toString('base64url');
  return { prefix, secret, key: `sym_${prefix}_${secret}` };
}

@Injectable()
export class ApiKeysService {
  constructor(private readonly keys: ApiKeyRepository) {}

  /**
   * Creates a key for the caller and returns its secret once. Only from a logged-in session: a
   * leaked key must not be able to mint keys that outlive its own revocation.
   */
  async create(principal: Principal, name: string): Promise<{ apiKey: ApiKeyEntity; key: string }> {
    if (principal.via !== 'jwt') throw DomainError.forbidden('API keys are created from a logged-in session');
    if ((await this.keys.countActive(principal.userId)) >= MAX_ACTIVE_API_KEYS) {
      throw new DomainError(
        ErrorCode.Conflict,
        `At most ${MAX_ACTIVE_API_KEYS} active API keys per user; revoke one first`,
      );
    }
    const { prefix, secret, key } = generateApiKey();
    const id = await this.keys.insert(principal.userId, {
      name,
      prefix,
      secretHash: hashApiKeySecret(secret),
    });
    return { apiKey: await this.get(principal, id), key };
  }

  list(principal: Principal, request: PageRequest): Promise<Paginated<ApiKeyEntity>> {
    return this.keys.list(principal.userId, request);
  }

  async get(principal: Principal, id: string): Promise<ApiKeyEntity> {
    const key = await this.keys.findById(principal.userId, id);
    if (!key) throw DomainError.notFound('API key');
    return key;
  }

  /** Revokes one of the caller's keys at once (idempotent); another user's key is a 404. */
  async revoke(principal: Principal, id: string): Promise<void> {
    if (!(await this.keys.revoke(principal.userId, id))) throw DomainError.notFound('API key');
  }
}
