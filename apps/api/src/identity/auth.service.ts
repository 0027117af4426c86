import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { APP_CONFIG, AppConfig, DomainError, ErrorCode } from '@symbiose/core';
import {
  hashPassword,
  LoginThrottle,
  passwordNeedsRehash,
  UserRepository,
  verifyPassword,
  warmUpPasswordVerification,
} from '@symbiose/domain';

export class LoginThrottledError extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super(ErrorCode.RateLimited, 'Too many failed login attempts; try again later');
  }
}

const INVALID_CREDENTIALS = 'Invalid e-mail or password';

/**
 * Password login. Every failure — unknown e-mail, wrong password, disabled account — gives the
 * same 401 after the same argon2 work, so responses do not reveal which accounts exist.
 */
@Injectable()
export class AuthService implements OnModuleInit {
  constructor(
    private readonly users: UserRepository,
    private readonly throttle: LoginThrottle,
    private readonly jwt: JwtService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await warmUpPasswordVerification();
  }

  async login(email: string, password: string, ip: string): Promise<{ userId: string; accessToken: string }> {
    const decision = await this.throttle.begin(email, ip);
    if (!decision.allowed) throw new LoginThrottledError(decision.retryAfterSeconds);
    const credentials = await this.users.findCredentialsByEmail(email);
    const valid = await verifyPassword(credentials?.passwordHash, password);
    if (!credentials || !valid || credentials.disabledAt !== null) {
      await this.throttle.failed(ip);
      throw new DomainError(ErrorCode.Unauthenticated, INVALID_CREDENTIALS);
    }
    await this.throttle.succeeded(email);
    if (passwordNeedsRehash(credentials.passwordHash)) {
      // Stronger parameters than when the hash was made: upgrade it now that we know the password.
      const upgraded = await hashPassword(password);
      await this.users.rehashPassword(credentials.id, credentials.passwordHash, upgraded);
    }
    const accessToken = await this.jwt.signAsync({ sub: credentials.id, typ: 'access' });
    return { userId: credentials.id, accessToken };
  }

  get tokenTtlSeconds(): number {
    return this.config.JWT_TTL_SECONDS;
  }
}
