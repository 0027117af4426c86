import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DEFAULT_PAGE_SIZE, MAX_PAGE, MAX_PAGE_SIZE, pageRequest, PageRequest } from '@symbiose/domain';
import { OptionalNotNull, QueryInt } from './validation';

/** `?page=&pageSize=` of every list route. */
export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE, default: 1 })
  @OptionalNotNull()
  @QueryInt(1, MAX_PAGE)
  page?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @OptionalNotNull()
  @QueryInt(1, MAX_PAGE_SIZE)
  pageSize?: number;

  toPageRequest(): PageRequest {
    return pageRequest(this.page, this.pageSize);
  }
}

export abstract class PageMeta {
  @ApiProperty({ example: 1 }) page: number;
  @ApiProperty({ example: DEFAULT_PAGE_SIZE }) pageSize: number;
  @ApiProperty({ description: 'Items matching the query across all pages' }) total: number;
}

/** The shared error body. */
export class ErrorResponse {
  @ApiProperty({ example: 400 }) statusCode: number;
  @ApiProperty({ example: 'VALIDATION_FAILED', description: 'Stable UPPER_SNAKE error code' }) code: string;
  @ApiProperty({ example: 'Invalid input' }) message: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { latitude: 'must not be greater than 90' },
    description: 'Field path → problem',
  })
  errors?: Record<string, string>;
  @ApiPropertyOptional() requestId?: string;
}
