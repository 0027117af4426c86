import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse, ApiSecurity } from '@nestjs/swagger';
import { ErrorResponse } from './dto/common.dto';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input (field paths in `errors`; unknown properties rejected)',
  401: 'No or invalid credentials',
  403: 'Your role may not do this',
  404: 'Not found, or not yours',
  409: 'Conflicts with an existing resource',
  429: 'Too many attempts; see Retry-After',
};

/** Documents the error responses a route can give, all in the shared error body. */
export function ApiErrors(...statuses: number[]) {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: DESCRIPTIONS[status], type: ErrorResponse }),
    ),
  );
}

/** Bearer JWT or X-Api-Key. */
export const ApiAuth = () => applyDecorators(ApiBearerAuth(), ApiSecurity('api-key'));
