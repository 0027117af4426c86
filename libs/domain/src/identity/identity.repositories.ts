import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, SelectQueryBuilder } from 'typeorm';
import { ApiKeyEntity } from './api-key.entity';
import { CompanyEntity, Country } from './company.entity';
import { Paginated, pageOffset, PageRequest } from './page';
import { SiteEntity } from './site.entity';
import { tenantCondition, TenantScope } from './tenant-scope';
import { Role, UserEntity } from './user.entity';

/*
 * Repositories of the identity feature. Tenant-owned rows (companies, sites, users) take a
 * TenantScope as the first argument of every method and add it to the query's WHERE clause; API
 * keys are owned by one user and take the owner's id the same way. Nothing here checks roles:
 * services decide who may call what, repositories guarantee nobody reads across tenants.
 */

type Managed = { manager?: EntityManager };

async function paginate<T extends object>(
  qb: SelectQueryBuilder<T>,
  alias: string,
  request: PageRequest,
): Promise<Paginated<T>> {
  const [items, total] = await qb
    .orderBy(`${alias}.createdAt`, 'ASC')
    .addOrderBy(`${alias}.id`, 'ASC')
    .offset(pageOffset(request))
    .limit(request.pageSize)
    .getManyAndCount();
  return { items, page: request.page, pageSize: request.pageSize, total };
}

export interface CompanyFilter {
  country?: Country;
}

export interface CompanyValues {
  name: string;
  country: Country;
  registrationNumber: string;
  naceCode: string;
}

@Injectable()
export class CompanyRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  private query(scope: TenantScope, manager?: EntityManager) {
    return (manager ?? this.db.manager)
      .createQueryBuilder(CompanyEntity, 'c')
      .where(...tenantCondition(scope, 'c.id'));
  }

  findById(scope: TenantScope, id: string, { manager }: Managed = {}): Promise<CompanyEntity | null> {
    return this.query(scope, manager).andWhere('c.id = :id', { id }).getOne();
  }

  list(scope: TenantScope, filter: CompanyFilter, request: PageRequest): Promise<Paginated<CompanyEntity>> {
    const qb = this.query(scope);
    if (filter.country) qb.andWhere('c.country = :country', { country: filter.country });
    return paginate(qb, 'c', request);
  }

  /**
   * Inserts a company; only the platform scope may create tenants. Returns null when the
   * registration number is taken (ON CONFLICT DO NOTHING: no failed statement in the logs).
   */
  async insert(scope: TenantScope, values: CompanyValues, { manager }: Managed = {}): Promise<string | null> {
    if (scope.kind !== 'platform') throw new Error('Only the platform scope creates companies');
    const result = await (manager ?? this.db.manager)
      .createQueryBuilder()
      .insert()
      .into(CompanyEntity)
      .values(values)
      .orIgnore()
      .returning(['id'])
      .execute();
    return insertedIdOrNull(result.raw);
  }

  /** Is this registration number used by another company (than `exceptId`)? */
  async registrationTaken(country: Country, registrationNumber: string, exceptId: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `SELECT 1 FROM companies WHERE country = $1 AND registration_number = $2 AND id <> $3`,
      [country, registrationNumber, exceptId],
    );
    return rows.length > 0;
  }

  async update(
    scope: TenantScope,
    id: string,
    values: Partial<CompanyValues>,
    { manager }: Managed = {},
  ): Promise<boolean> {
    const result = await (manager ?? this.db.manager)
      .createQueryBuilder()
      .update(CompanyEntity)
      .set(values)
      .where('id = :id', { id })
      .andWhere(...tenantCondition(scope, 'id'))
      .execute();
    return (result.affected ?? 0) > 0;
  }
}

export interface SiteFilter {
  companyId?: string;
  region?: string;
}

export interface SiteValues {
  name: string;
  latitude: number;
  longitude: number;
  region: string;
  country: Country;
  municipality: string;
  hasQuay: boolean;
  hasRail: boolean;
}

@Injectable()
export class SiteRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  private query(scope: TenantScope, manager?: EntityManager) {
    return (manager ?? this.db.manager)
      .createQueryBuilder(SiteEntity, 's')
      .where(...tenantCondition(scope, 's.companyId'));
  }

  findById(
    scope: TenantScope,
    id: string,
    { manager, lock }: Managed & { lock?: boolean } = {},
  ): Promise<SiteEntity | null> {
    const qb = this.query(scope, manager).andWhere('s.id = :id', { id });
    if (lock) qb.setLock('pessimistic_write');
    return qb.getOne();
  }

  list(scope: TenantScope, filter: SiteFilter, request: PageRequest): Promise<Paginated<SiteEntity>> {
    const qb = this.query(scope);
    if (filter.companyId) qb.andWhere('s.companyId = :companyId', { companyId: filter.companyId });
    if (filter.region) qb.andWhere('s.region = :region', { region: filter.region });
    return paginate(qb, 's', request);
  }

  /** Inserts a site for `companyId`, which must lie inside the scope (checked in the same statement). */
  async insert(
    scope: TenantScope,
    companyId: string,
    values: SiteValues,
    { manager }: Managed = {},
  ): Promise<string | null> {
    if (scope.kind === 'company' && scope.companyId !== companyId) return null;
    const result = await (manager ?? this.db.manager)
      .createQueryBuilder()
      .insert()
      .into(SiteEntity)
      .values({ ...values, companyId })
      .returning(['id'])
      .execute();
    return insertedId(result.raw);
  }

  async update(
    scope: TenantScope,
    id: string,
    values: Partial<SiteValues>,
    { manager }: Managed = {},
  ): Promise<boolean> {
    const result = await (manager ?? this.db.manager)
      .createQueryBuilder()
      .update(SiteEntity)
      .set(values)
      .where('id = :id', { id })
      .andWhere(...tenantCondition(scope, 'company_id'))
      .execute();
    return (result.affected ?? 0) > 0;
  }
}

export interface UserFilter {
  role?: Role;
  companyId?: string;
}

export interface UserValues {
  email: string;
  passwordHash: string;
  role: Role;
  companyId: string | null;
  region: string | null;
  disabledAt: Date | null;
}

export interface UserCredentials {
  id: string;
  passwordHash: string;
  disabledAt: Date | null;
}

@Injectable()
export class UserRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** A user is in an officer's scope when bound to that company (officers do not list users yet). */
  private query(scope: TenantScope, manager?: EntityManager) {
    return (manager ?? this.db.manager)
      .createQueryBuilder(UserEntity, 'u')
      .where(...tenantCondition(scope, 'u.companyId'));
  }

  findById(scope: TenantScope, id: string, { manager }: Managed = {}): Promise<UserEntity | null> {
    return this.query(scope, manager).andWhere('u.id = :id', { id }).getOne();
  }

  list(scope: TenantScope, filter: UserFilter, request: PageRequest): Promise<Paginated<UserEntity>> {
    const qb = this.query(scope);
    if (filter.role) qb.andWhere('u.role = :role', { role: filter.role });
    if (filter.companyId) qb.andWhere('u.companyId = :companyId', { companyId: filter.companyId });
    return paginate(qb, 'u', request);
  }

  /**
   * The password hash for an e-mail address (case-insensitive). Used before anyone is
   * authenticated (login), so it has no tenant; it returns only what verification needs.
   */
  async findCredentialsByEmail(email: string): Promise<UserCredentials | null> {
    const rows: { id: string; password_hash: string; disabled_at: Date | null }[] = await this.db.query(
      `SELECT id, password_hash, disabled_at FROM users WHERE lower(email) = lower($1)`,
      [email],
    );
    const row = rows[0];
    return row ? { id: row.id, passwordHash: row.password_hash, disabledAt: row.disabled_at } : null;
  }

  /** The caller's own password hash (self-service password change); the caller is the scope. */
  async findOwnPasswordHash(userId: string): Promise<string | null> {
    const rows: { password_hash: string }[] = await this.db.query(
      `SELECT password_hash FROM users WHERE id = $1 AND disabled_at IS NULL`,
      [userId],
    );
    return rows[0]?.password_hash ?? null;
  }

  /**
   * Inserts a user; null when the e-mail address is taken. ON CONFLICT DO NOTHING rather than a
   * failed INSERT, because a failed statement is logged with its parameters (the password hash).
   */
  async insert(scope: TenantScope, values: UserValues, { manager }: Managed = {}): Promise<string | null> {
    if (scope.kind !== 'platform') throw new Error('Only the platform scope creates users');
    const result = await (manager ?? this.db.manager)
      .createQueryBuilder()
      .insert()
      .into(UserEntity)
      .values(values)
      .orIgnore()
      .returning(['id'])
      .execute();
    return insertedIdOrNull(result.raw);
  }

  /** Is this e-mail address (case-insensitively) used by another user (than `exceptId`)? */
  async emailTaken(email: string, exceptId: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `SELECT 1 FROM users WHERE lower(email) = lower($1) AND id <> $2`,
      [email, exceptId],
    );
    return rows.length > 0;
  }

  async update(
    scope: TenantScope,
    id: string,
    values: Partial<UserValues>,
    { manager }: Managed = {},
  ): Promise<boolean> {
    const result = await (manager ?? this.db.manager)
      .createQueryBuilder()
      .update(UserEntity)
      .set(values)
      .where('id = :id', { id })
      .andWhere(...tenantCondition(scope, 'company_id'))
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /** Self-service password change: scoped to the caller's own row. */
  async updateOwnPasswordHash(userId: string, passwordHash: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `UPDATE users SET password_hash = $2, updated_at = now()
        WHERE id = $1 AND disabled_at IS NULL RETURNING id`,
      [userId, passwordHash],
    );
    return rowCount(rows) > 0;
  }

  /** Rehash after a successful login with outdated parameters (the login proved the old password). */
  async rehashPassword(userId: string, oldHash: string, newHash: string): Promise<void> {
    await this.db.query(`UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2`, [
      userId,
      oldHash,
      newHash,
    ]);
  }
}

function insertedIdOrNull(raw: unknown): string | null {
  const id = (raw as { id?: unknown }[] | undefined)?.[0]?.id;
  return typeof id === 'string' ? id : null;
}

function insertedId(raw: unknown): string {
  const id = (raw as { id?: unknown }[] | undefined)?.[0]?.id;
  if (typeof id !== 'string') throw new Error('INSERT ... RETURNING id returned no id');
  return id;
}

/** `UPDATE ... RETURNING` through DataSource.query yields `[rows, count]` on Postgres. */
function rowCount(result: unknown): number {
  if (Array.isArray(result) && result.length === 2 && typeof result[1] === 'number') return result[1];
  return Array.isArray(result) ? result.length : 0;
}

export interface ApiKeyValues {
  name: string;
  prefix: string;
  secretHash: string;
}

/** API keys belong to one user; every method takes the owner's id and filters by it. */
@Injectable()
export class ApiKeyRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  private query(ownerId: string) {
    return this.db.manager.createQueryBuilder(ApiKeyEntity, 'k').where('k.userId = :ownerId', { ownerId });
  }

  findById(ownerId: string, id: string): Promise<ApiKeyEntity | null> {
    return this.query(ownerId).andWhere('k.id = :id', { id }).getOne();
  }

  list(ownerId: string, request: PageRequest): Promise<Paginated<ApiKeyEntity>> {
    return paginate(this.query(ownerId), 'k', request);
  }

  countActive(ownerId: string): Promise<number> {
    return this.query(ownerId).andWhere('k.revokedAt IS NULL').getCount();
  }

  async insert(ownerId: string, values: ApiKeyValues): Promise<string> {
    const result = await this.db.manager
      .createQueryBuilder()
      .insert()
      .into(ApiKeyEntity)
      .values({ ...values, userId: ownerId })
      .returning(['id'])
      .execute();
    return insertedId(result.raw);
  }

  /** Revokes the key (idempotent); false when the owner has no such key. */
  async revoke(ownerId: string, id: string): Promise<boolean> {
    const rows: unknown = await this.db.query(
      `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())
        WHERE id = $1 AND user_id = $2 RETURNING id`,
      [id, ownerId],
    );
    return rowCount(rows) > 0;
  }
}
