export type DomainErrorCode = 'INVALID_INPUT' | 'NOT_FOUND' | 'ALREADY_EXISTS' | 'INVALID_STATE';

/**
 * A command the domain refuses. `field` is the input path of the offending
 * value (`url`, `auth.password`, `headers.X-Foo`, `filters.clouds.1`), relative
 * to the command's input, so the API can prefix it with its argument name.
 */
export class DomainError extends Error {
  override readonly name = 'DomainError';

  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }

  static invalidInput(field: string, message: string): DomainError {
    return new DomainError('INVALID_INPUT', message, field);
  }

  static notFound(message: string): DomainError {
    return new DomainError('NOT_FOUND', message);
  }

  static alreadyExists(message: string, field?: string): DomainError {
    return new DomainError('ALREADY_EXISTS', message, field);
  }

  static invalidState(message: string, field?: string): DomainError {
    return new DomainError('INVALID_STATE', message, field);
  }
}
