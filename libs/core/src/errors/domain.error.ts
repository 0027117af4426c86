import { ErrorCode, HTTP_STATUS_BY_CODE } from './error-codes';

/** A failure the client can act on. Thrown by services; mapped to HTTP by the API's one filter. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors?: Record<string, string>,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  get status(): number {
    return HTTP_STATUS_BY_CODE[this.code];
  }

  static notFound(what: string): DomainError {
    return new DomainError(ErrorCode.NotFound, `${what} not found`);
  }

  static validation(errors: Record<string, string>, message = 'Invalid input'): DomainError {
    return new DomainError(ErrorCode.ValidationFailed, message, errors);
  }

  static forbidden(message = 'Your role may not do this'): DomainError {
    return new DomainError(ErrorCode.Forbidden, message);
  }

  static versionConflict(expected: number, actual: number): DomainError {
    return new DomainError(
      ErrorCode.VersionConflict,
      `Version conflict: you sent version ${expected}, the current version is ${actual}`,
    );
  }

  static illegalTransition(from: string, action: string): DomainError {
    return new DomainError(ErrorCode.IllegalTransition, `Cannot ${action} from status ${from}`);
  }
}
