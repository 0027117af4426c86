import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '@symbiose/core';
import { Country, CompanyEntity } from './company.entity';
import { normaliseRegistrationNumber } from './company.rules';
import { isUniqueViolation } from './db-errors';
import { CompanyFilter, CompanyRepository, CompanyValues } from './identity.repositories';
import { Paginated, PageRequest } from './page';
import { Principal } from './principal';
import { requirePlatformScope, tenantScopeOf } from './tenant-scope';

export type CompanyInput = CompanyValues;
export type CompanyPatch = Partial<CompanyValues>;

@Injectable()
export class CompaniesService {
  constructor(private readonly companies: CompanyRepository) {}

  async create(principal: Principal, input: CompanyInput): Promise<CompanyEntity> {
    const scope = requirePlatformScope(principal);
    const values = {
      ...input,
      registrationNumber: this.registration(input.country, input.registrationNumber),
    };
    const id = await this.translate(() => this.companies.insert(scope, values));
    if (!id) throw registrationConflict();
    return this.get(principal, id);
  }

  /** Coordinators and admins list every company; an officer gets a page holding only their own. */
  list(principal: Principal, filter: CompanyFilter, request: PageRequest): Promise<Paginated<CompanyEntity>> {
    return this.companies.list(tenantScopeOf(principal), filter, request);
  }

  async get(principal: Principal, id: string): Promise<CompanyEntity> {
    const company = await this.companies.findById(tenantScopeOf(principal), id);
    if (!company) throw DomainError.notFound('Company');
    return company;
  }

  async update(principal: Principal, id: string, patch: CompanyPatch): Promise<CompanyEntity> {
    const scope = requirePlatformScope(principal);
    const current = await this.companies.findById(scope, id);
    if (!current) throw DomainError.notFound('Company');
    const values: CompanyPatch = { ...patch };
    if (patch.country !== undefined || patch.registrationNumber !== undefined) {
      const country: Country = patch.country ?? current.country;
      values.registrationNumber = this.registration(
        country,
        patch.registrationNumber ?? current.registrationNumber,
      );
    }
    if (
      values.registrationNumber !== undefined &&
      (await this.companies.registrationTaken(
        values.country ?? current.country,
        values.registrationNumber,
        id,
      ))
    ) {
      throw registrationConflict();
    }
    if (Object.keys(values).length > 0) {
      const updated = await this.translate(() => this.companies.update(scope, id, values));
      if (!updated) throw DomainError.notFound('Company');
    }
    return this.get(principal, id);
  }

  private registration(country: Country, raw: string): string {
    const result = normaliseRegistrationNumber(country, raw);
    if ('error' in result) throw DomainError.validation({ registrationNumber: result.error });
    return result.value;
  }

  private async translate<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (isUniqueViolation(err)) throw registrationConflict();
      throw err;
    }
  }
}

function registrationConflict(): DomainError {
  return new DomainError(ErrorCode.Conflict, 'A company with this registration number already exists', {
    registrationNumber: 'is already registered for this country',
  });
}
