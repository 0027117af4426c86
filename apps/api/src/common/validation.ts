import { ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError } from '@symbiose/core';

/** Flattens class-validator's tree into `{ "quantity.amount": "must be positive" }`. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const error of errors) {
    const path = parent ? `${parent}.${error.property}` : error.property;
    if (error.constraints) {
      const messages = Object.values(error.constraints).map((m) =>
        m.startsWith(`property ${error.property} should not exist`) ? 'unknown property' : m,
      );
      out[path] = messages.join('; ');
    }
    if (error.children?.length) Object.assign(out, flattenValidationErrors(error.children, path));
  }
  return out;
}

export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    stopAtFirstError: false,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => DomainError.validation(flattenValidationErrors(errors)),
  });
}
