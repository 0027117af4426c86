import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '@symbiose/core';
import { isForeignKeyViolation, isUniqueViolation } from './db-errors';
import { CompanyRepository, UserFilter, UserRepository, UserValues } from './identity.repositories';
import { Paginated, PageRequest } from './page';
import { hashPassword, verifyPassword } from './passwords';
import { Principal } from './principal';
import { isRegionCode, REGION_CODES } from './regions';
import { PLATFORM_SCOPE, requirePlatformScope } from './tenant-scope';
import { Role, UserEntity } from './user.entity';

export interface CreateUserInput {
  email: string;
  password: string;
  role: Role;
  companyId?: string | null;
  region?: string | null;
}

export interface UpdateUserInput {
  email?: string;
  password?: string;
  role?: Role;
  companyId?: string | null;
  region?: string | null;
  disabled?: boolean;
}

/** Which roles each role may hand out when creating a user. */
const MAY_CREATE: Record<Role, readonly Role[]> = {
  admin: ['admin', 'coordinator', 'officer', 'province'],
  coordinator: ['officer'],
  officer: [],
  province: [],
};

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UserRepository,
    private readonly companies: CompanyRepository,
  ) {}

  /** Admins create any user; coordinators create officers only. */
  async create(principal: Principal, input: CreateUserInput): Promise<UserEntity> {
    const scope = requirePlatformScope(principal);
    if (!MAY_CREATE[principal.role].includes(input.role)) {
      throw DomainError.forbidden(`A ${principal.role} may not create ${input.role} users`);
    }
    const binding = await this.binding(input.role, input.companyId ?? null, input.region ?? null);
    const values: UserValues = {
      email: input.email,
      passwordHash: await hashPassword(input.password),
      role: input.role,
      ...binding,
      disabledAt: null,
    };
    const id = await this.translate(() => this.users.insert(scope, values));
    if (!id) throw emailConflict();
    return this.get(principal, id);
  }

  list(principal: Principal, filter: UserFilter, request: PageRequest): Promise<Paginated<UserEntity>> {
    return this.users.list(requirePlatformScope(principal), filter, request);
  }

  async get(principal: Principal, id: string): Promise<UserEntity> {
    const user = await this.users.findById(requirePlatformScope(principal), id);
    if (!user) throw DomainError.notFound('User');
    return user;
  }

  /** The caller's own record (any role). */
  async me(principal: Principal): Promise<UserEntity> {
    const user = await this.users.findById(PLATFORM_SCOPE, principal.userId);
    if (!user) throw DomainError.notFound('User');
    return user;
  }

  /**
   * Admin edit. Nobody changes their own role, company, region or disabled state (so nobody can
   * raise themselves or lock out the last admin by accident).
   */
  async update(principal: Principal, id: string, patch: UpdateUserInput): Promise<UserEntity> {
    const scope = requirePlatformScope(principal);
    if (principal.role !== 'admin') throw DomainError.forbidden('Only admins edit users');
    const current = await this.users.findById(scope, id);
    if (!current) throw DomainError.notFound('User');
    if (current.id === principal.userId) {
      const changesOwnStanding =
        (patch.role !== undefined && patch.role !== current.role) ||
        (patch.companyId !== undefined && patch.companyId !== current.companyId) ||
        (patch.region !== undefined && patch.region !== current.region) ||
        patch.disabled === true;
      if (changesOwnStanding) {
        throw DomainError.forbidden('You cannot change your own role, company, region or disabled state');
      }
    }
    const values: Partial<UserValues> = {};
    if (patch.email !== undefined && patch.email !== current.email) {
      if (await this.users.emailTaken(patch.email, id)) throw emailConflict();
      values.email = patch.email;
    }
    if (patch.password !== undefined) values.passwordHash = await hashPassword(patch.password);
    if (patch.disabled !== undefined && patch.disabled !== (current.disabledAt !== null)) {
      values.disabledAt = patch.disabled ? new Date() : null;
    }
    if (patch.role !== undefined || patch.companyId !== undefined || patch.region !== undefined) {
      const role = patch.role ?? current.role;
      // Moving to a role without a company or region drops the old binding unless one is given.
      const companyId =
        patch.companyId !== undefined ? patch.companyId : role === 'officer' ? current.companyId : null;
      const region = patch.region !== undefined ? patch.region : role === 'province' ? current.region : null;
      Object.assign(values, { role }, await this.binding(role, companyId, region));
    }
    if (Object.keys(values).length > 0) {
      const updated = await this.translate(() => this.users.update(scope, id, values));
      if (!updated) throw DomainError.notFound('User');
    }
    return this.get(principal, id);
  }

  /** Self-service password change; the current password proves it is the owner at the keyboard. */
  async changeOwnPassword(principal: Principal, currentPassword: string, newPassword: string): Promise<void> {
    if (principal.via !== 'jwt') throw DomainError.forbidden('Change passwords from a logged-in session');
    const hash = await this.users.findOwnPasswordHash(principal.userId);
    if (!(await verifyPassword(hash, currentPassword))) {
      throw DomainError.validation({ currentPassword: 'is not your current password' });
    }
    if (currentPassword === newPassword) {
      throw DomainError.validation({ newPassword: 'must differ from the current password' });
    }
    await this.users.updateOwnPasswordHash(principal.userId, await hashPassword(newPassword));
  }

  /** Officers belong to exactly one company, province users to one region, the others to neither. */
  private async binding(
    role: Role,
    companyId: string | null,
    region: string | null,
  ): Promise<Pick<UserValues, 'companyId' | 'region'>> {
    const errors: Record<string, string> = {};
    if (role === 'officer') {
      if (!companyId) errors.companyId = 'is required for officers';
      else if (!(await this.companies.findById(PLATFORM_SCOPE, companyId)))
        errors.companyId = 'company not found';
    } else if (companyId) {
      errors.companyId = 'only officers are bound to a company';
    }
    if (role === 'province') {
      if (!region) errors.region = 'is required for province users';
      else if (!isRegionCode(region)) errors.region = `must be one of ${REGION_CODES.join(', ')}`;
    } else if (region) {
      errors.region = 'only province users are bound to a region';
    }
    if (Object.keys(errors).length > 0) throw DomainError.validation(errors);
    return { companyId: role === 'officer' ? companyId : null, region: role === 'province' ? region : null };
  }

  private async translate<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (isUniqueViolation(err)) throw emailConflict();
      if (isForeignKeyViolation(err)) throw DomainError.validation({ companyId: 'company not found' });
      throw err;
    }
  }
}

function emailConflict(): DomainError {
  return new DomainError(ErrorCode.Conflict, 'A user with this e-mail address already exists', {
    email: 'is already in use',
  });
}
