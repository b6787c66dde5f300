/** Errors the application layer raises; the API maps each to an error code. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  constructor(readonly what: string, readonly id: string) {
    super(`${what} ${id} not found`);
  }
}

/** The caller's `expectedVersion` is stale, or a concurrent writer won. */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
  constructor(message: string, readonly actualVersion: number | null) {
    super(message);
  }
}

export class UnauthenticatedError extends Error {
  override readonly name = 'UnauthenticatedError';
}

export class ForbiddenError extends Error {
  override readonly name = 'ForbiddenError';
}
