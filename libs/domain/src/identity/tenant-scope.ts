import { DomainError } from '@symbiose/core';
import { Principal } from './principal';

/**
 * Whose data a query may touch. Every repository method of a tenant-owned resource takes one as
 * its first argument (no default), so the company filter is part of every query an officer can
 * reach, not an afterthought in a controller.
 * - `platform`: coordinators and admins, who see every company.
 * - `company`: an officer, who sees only the one company they are bound to.
 */
export type TenantScope =
  { readonly kind: 'platform' } | { readonly kind: 'company'; readonly companyId: string };

export const PLATFORM_SCOPE: TenantScope = Object.freeze({ kind: 'platform' });

export function companyScope(companyId: string): TenantScope {
  return Object.freeze({ kind: 'company', companyId });
}

/**
 * The scope of a caller. Province users see no company's data at all (only aggregated reports),
 * so asking for their tenant scope is a 403.
 */
export function tenantScopeOf(principal: Principal): TenantScope {
  switch (principal.role) {
    case 'admin':
    case 'coordinator':
      return PLATFORM_SCOPE;
    case 'officer':
      if (!principal.companyId) throw DomainError.forbidden('Officer is not bound to a company');
      return companyScope(principal.companyId);
    default:
      throw DomainError.forbidden();
  }
}

/** For operations only platform staff may do (create a company, manage users). */
export function requirePlatformScope(principal: Principal): TenantScope {
  const scope = tenantScopeOf(principal);
  if (scope.kind !== 'platform') throw DomainError.forbidden();
  return scope;
}

/**
 * A TypeORM `where` fragment restricting `column` (an entity property holding a company id) to the
 * scope: `{}` for the platform, `{ [column]: companyId }` for an officer. Spread it into every
 * `findOneBy`/`update` condition.
 */
export function tenantWhere<K extends string>(scope: TenantScope, column: K): Partial<Record<K, string>> {
  return scope.kind === 'company' ? ({ [column]: scope.companyId } as Record<K, string>) : {};
}

/**
 * The same restriction for query builders and raw SQL: a condition and its parameters, e.g.
 * `qb.andWhere(...tenantCondition(scope, 's.companyId'))`. Always returns a condition (`TRUE` for
 * the platform), so call sites cannot forget it.
 */
export function tenantCondition(
  scope: TenantScope,
  columnExpression: string,
): [condition: string, parameters: Record<string, string>] {
  return scope.kind === 'company'
    ? [`${columnExpression} = :tenantCompanyId`, { tenantCompanyId: scope.companyId }]
    : ['TRUE', {}];
}
