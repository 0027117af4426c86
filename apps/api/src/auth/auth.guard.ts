import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { InjectDataSource } from '@nestjs/typeorm';
import { DomainError, ErrorCode } from '@symbiose/core';
import { hashApiKeySecret, parseApiKey, Principal, Role } from '@symbiose/domain';
import { timingSafeEqual } from 'node:crypto';
import { DataSource } from 'typeorm';
import { IS_PUBLIC } from './public.decorator';
import { ROLES_KEY } from './roles.decorator';

interface AuthRequest {
  headers: Record<string, string | string[] | undefined>;
  principal?: Principal;
}

interface AccessTokenClaims {
  sub: string;
  typ: 'access';
}

const unauthenticated = (message = 'Missing or invalid credentials') =>
  new DomainError(ErrorCode.Unauthenticated, message);

/**
 * Global default-deny guard: a route is open only with @Public(). Resolves the caller from a bearer
 * JWT or an X-Api-Key on every request against the database, so a disabled user or a revoked key
 * stops working at once.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtService,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthRequest>();
    const principal = await this.authenticate(request);
    request.principal = principal;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles && !roles.includes(principal.role)) throw DomainError.forbidden();
    return true;
  }

  /** Resolves credentials without route metadata (for routes that accept a token or a user). */
  resolve(headers: AuthRequest['headers']): Promise<Principal> {
    return this.authenticate({ headers });
  }

  private async authenticate(request: AuthRequest): Promise<Principal> {
    const authorization = header(request, 'authorization');
    const apiKey = header(request, 'x-api-key');
    if (authorization) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      if (!match) throw unauthenticated('Authorization must be "Bearer <token>"');
      return this.fromJwt(match[1]);
    }
    if (apiKey) return this.fromApiKey(apiKey);
    throw unauthenticated();
  }

  private async fromJwt(token: string): Promise<Principal> {
    let claims: AccessTokenClaims;
    try {
      // The module's key (a key object made once from JWT_SECRET) and HS256 only.
      claims = await this.jwt.verifyAsync<AccessTokenClaims>(token, { algorithms: ['HS256'] });
    } catch {
      throw unauthenticated('Invalid or expired token');
    }
    if (claims.typ !== 'access' || typeof claims.sub !== 'string') throw unauthenticated('Invalid token');
    const principal = await this.loadUser(claims.sub);
    if (!principal) throw unauthenticated('Invalid token');
    return { ...principal, via: 'jwt' };
  }

  private async fromApiKey(raw: string): Promise<Principal> {
    const parsed = parseApiKey(raw);
    if (!parsed) throw unauthenticated('Invalid API key');
    const rows: { id: string; user_id: string; secret_hash: string }[] = await this.db.query(
      `SELECT id, user_id, secret_hash FROM api_keys WHERE prefix = $1 AND revoked_at IS NULL`,
      [parsed.prefix],
    );
    const row = rows[0];
    const expected = Buffer.from(row?.secret_hash ?? '0'.repeat(64), 'hex');
    const actual = Buffer.from(hashApiKeySecret(parsed.secret), 'hex');
    if (!row || expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
      throw unauthenticated('Invalid API key');
    }
    const principal = await this.loadUser(row.user_id);
    if (!principal) throw unauthenticated('Invalid API key');
    // Last-used time is informational; a lost write is harmless, so it does not block the request.
    void this.db
      .query(`UPDATE api_keys SET last_used_at = now() WHERE id = $1`, [row.id])
      .catch(() => undefined);
    return { ...principal, via: 'api_key' };
  }

  private async loadUser(userId: string): Promise<Omit<Principal, 'via'> | null> {
    if (!/^[0-9a-f-]{36}$/i.test(userId)) return null;
    const rows: {
      id: string;
      email: string;
      role: Role;
      company_id: string | null;
      region: string | null;
    }[] = await this.db.query(
      `SELECT id, email, role, company_id, region FROM users WHERE id = $1 AND disabled_at IS NULL`,
      [userId],
    );
    const user = rows[0];
    if (!user) return null;
    return {
      userId: user.id,
      email: user.email,
      role: user.role,
      companyId: user.company_id,
      region: user.region,
    };
  }
}

function header(request: AuthRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
