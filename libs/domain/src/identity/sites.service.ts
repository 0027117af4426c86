import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DomainError } from '@symbiose/core';
import { DataSource } from 'typeorm';
import { isForeignKeyViolation } from './db-errors';
import { CompanyRepository, SiteFilter, SiteRepository, SiteValues } from './identity.repositories';
import { Paginated, PageRequest } from './page';
import { Principal } from './principal';
import { coordinateProblems, isRegionCode, REGION_CODES, regionCountry } from './regions';
import { SiteChangeHooks } from './site-change-hooks';
import { SiteEntity } from './site.entity';
import { tenantScopeOf } from './tenant-scope';

export interface SiteInput {
  name: string;
  latitude: number;
  longitude: number;
  region: string;
  municipality: string;
  hasQuay?: boolean;
  hasRail?: boolean;
}

export type SitePatch = Partial<SiteInput>;

const LOCATION_FIELDS = ['latitude', 'longitude', 'region', 'country', 'hasQuay', 'hasRail'] as const;

@Injectable()
export class SitesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly companies: CompanyRepository,
    private readonly sites: SiteRepository,
    private readonly hooks: SiteChangeHooks,
  ) {}

  /** Adds a site to a company the caller can see (an officer: their own; otherwise 404). */
  async create(principal: Principal, companyId: string, input: SiteInput): Promise<SiteEntity> {
    const scope = tenantScopeOf(principal);
    const company = await this.companies.findById(scope, companyId);
    if (!company) throw DomainError.notFound('Company');
    const values: SiteValues = {
      name: input.name,
      latitude: input.latitude,
      longitude: input.longitude,
      region: input.region,
      country: this.checkLocation(input.region, input.latitude, input.longitude),
      municipality: input.municipality,
      hasQuay: input.hasQuay ?? false,
      hasRail: input.hasRail ?? false,
    };
    let id: string | null;
    try {
      id = await this.sites.insert(scope, company.id, values);
    } catch (err) {
      if (isForeignKeyViolation(err)) throw DomainError.notFound('Company');
      throw err;
    }
    if (!id) throw DomainError.notFound('Company');
    return this.get(principal, id);
  }

  list(principal: Principal, filter: SiteFilter, request: PageRequest): Promise<Paginated<SiteEntity>> {
    return this.sites.list(tenantScopeOf(principal), filter, request);
  }

  async get(principal: Principal, id: string): Promise<SiteEntity> {
    const site = await this.sites.findById(tenantScopeOf(principal), id);
    if (!site) throw DomainError.notFound('Site');
    return site;
  }

  /** Updates a site and, in the same transaction, whatever registered hooks derive from it. */
  async update(principal: Principal, id: string, patch: SitePatch): Promise<SiteEntity> {
    const scope = tenantScopeOf(principal);
    return this.db.transaction(async (manager) => {
      const before = await this.sites.findById(scope, id, { manager, lock: true });
      if (!before) throw DomainError.notFound('Site');
      const merged = { ...before, ...definedOnly(patch) };
      const values: Partial<SiteValues> = { ...definedOnly(patch) };
      if (patch.region !== undefined || patch.latitude !== undefined || patch.longitude !== undefined) {
        values.country = this.checkLocation(merged.region, merged.latitude, merged.longitude);
      }
      if (Object.keys(values).length === 0) return before;
      const updated = await this.sites.update(scope, id, values, { manager });
      if (!updated) throw DomainError.notFound('Site');
      const after = await this.sites.findById(scope, id, { manager });
      if (!after) throw DomainError.notFound('Site');
      const locationChanged = LOCATION_FIELDS.some((f) => before[f] !== after[f]);
      await this.hooks.run(manager, { before, after, locationChanged });
      return after;
    });
  }

  /** The region must be known and the point plausible for it; returns the country it fixes. */
  private checkLocation(region: string, latitude: number, longitude: number) {
    if (!isRegionCode(region))
      throw DomainError.validation({ region: `must be one of ${REGION_CODES.join(', ')}` });
    const problems = coordinateProblems(region, latitude, longitude);
    if (Object.keys(problems).length > 0) {
      throw DomainError.validation(problems, `The coordinates do not lie in region ${region}`);
    }
    return regionCountry(region);
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
