import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'symbiose:public';

/** Opens one route to unauthenticated callers; every other route is denied by default. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
