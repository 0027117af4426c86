import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { APP_CONFIG, AppConfig } from '@symbiose/core';
import { DataSource } from 'typeorm';

export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Login rate limiting in Postgres (table login_failures), shared by every API process:
 * - `email:<lower email>` counts attempts on one account. It is incremented *before* the password
 *   is checked, atomically, so a burst of parallel guesses cannot overshoot the limit; a success
 *   clears it.
 * - `ip:<address>` counts failed attempts from one address across accounts. It is checked before
 *   and incremented after a failure only, so many people behind one NAT logging in successfully
 *   never lock each other out.
 * Either counter above LOGIN_MAX_FAILURES within LOGIN_WINDOW_SECONDS (a fixed window starting at
 * the first failure) refuses the attempt without checking the password.
 */
@Injectable()
export class LoginThrottle {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  static emailKey(email: string): string {
    return `email:${email.trim().toLowerCase()}`;
  }

  static ipKey(ip: string): string {
    return `ip:${ip}`;
  }

  /** Call before verifying a password: refuses when the address or the account is over the limit. */
  async begin(email: string, ip: string): Promise<ThrottleDecision> {
    const window = this.config.LOGIN_WINDOW_SECONDS;
    const max = this.config.LOGIN_MAX_FAILURES;
    const byIp: { retry_after: number }[] = await this.db.query(
      `SELECT ceil(extract(epoch FROM window_started_at + make_interval(secs => $2) - now()))::int AS retry_after
         FROM login_failures
        WHERE key = $1 AND failures >= $3 AND window_started_at > now() - make_interval(secs => $2)`,
      [LoginThrottle.ipKey(ip), window, max],
    );
    if (byIp[0]) return { allowed: false, retryAfterSeconds: Math.max(1, byIp[0].retry_after) };
    const byEmail: { failures: number; retry_after: number }[] = await this.db.query(
      `${this.incrementSql()}
       RETURNING f.failures,
                 ceil(extract(epoch FROM f.window_started_at + make_interval(secs => $2) - now()))::int AS retry_after`,
      [LoginThrottle.emailKey(email), window],
    );
    const row = byEmail[0];
    if (row && row.failures > max) return { allowed: false, retryAfterSeconds: Math.max(1, row.retry_after) };
    return { allowed: true };
  }

  /** After a wrong password, an unknown account or a disabled account. */
  async failed(ip: string): Promise<void> {
    const window = this.config.LOGIN_WINDOW_SECONDS;
    await this.db.query(this.incrementSql(), [LoginThrottle.ipKey(ip), window]);
    // Expired counters are dead weight; sweep them now and then rather than on every request.
    if (Math.random() < 0.02) {
      await this.db.query(
        `DELETE FROM login_failures WHERE window_started_at < now() - make_interval(secs => $1)`,
        [window],
      );
    }
  }

  /** After a successful login: the account starts afresh (the address counter is left alone). */
  async succeeded(email: string): Promise<void> {
    await this.db.query(`DELETE FROM login_failures WHERE key = $1`, [LoginThrottle.emailKey(email)]);
  }

  /** Adds one to a counter, restarting its window when the previous one has expired. */
  private incrementSql(): string {
    return `INSERT INTO login_failures AS f (key, failures, window_started_at) VALUES ($1, 1, now())
            ON CONFLICT (key) DO UPDATE SET
              failures = CASE WHEN f.window_started_at > now() - make_interval(secs => $2)
                              THEN f.failures + 1 ELSE 1 END,
              window_started_at = CASE WHEN f.window_started_at > now() - make_interval(secs => $2)
                                       THEN f.window_started_at ELSE now() END`;
  }
}
