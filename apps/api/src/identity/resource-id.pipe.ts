import { Injectable, PipeTransform } from '@nestjs/common';
import { DomainError } from '@symbiose/core';
import { UUID_PATTERN } from './dto/validation';

/**
 * Path ids: anything that is not a UUID cannot name a resource, so it is a 404 like any other
 * unknown id (never a 400 or a 500 from Postgres' uuid parser).
 */
@Injectable()
export class ResourceIdPipe implements PipeTransform<unknown, string> {
  constructor(private readonly resource: string) {}

  transform(value: unknown): string {
    if (typeof value === 'string' && UUID_PATTERN.test(value)) return value.toLowerCase();
    throw DomainError.notFound(this.resource);
  }
}
