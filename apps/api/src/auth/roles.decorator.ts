import { SetMetadata } from '@nestjs/common';
import { Role } from '@symbiose/domain';

export const ROLES_KEY = 'symbiose:roles';

/** Restricts a route (or controller) to these roles; without it, any authenticated role passes. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
