import { GraphQLError } from 'graphql';
import type { ZodError } from 'zod';
import { ConflictError, ForbiddenError, NotFoundError, UnauthenticatedError } from '../application/errors.js';
import { DomainError } from '../domain/errors.js';

export type ErrorCode = 'BAD_USER_INPUT' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT';

export function apiError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extensions } });
}

/** `input.url` style: the argument path of the first failing value. */
function fieldPath(path: PropertyKey[]): string {
  return path.map(String).join('.');
}

/** Zod failures from argument validation become BAD_USER_INPUT naming the field. */
export function zodValidationError(error: ZodError): GraphQLError {
  const first = error.issues[0];
  const field = first ? fieldPath(first.path) : undefined;
  const message = first ? `${field ? `${field}: ` : ''}${first.message}` : 'Invalid input';
  return apiError('BAD_USER_INPUT', message, {
    field,
    issues: error.issues.map((issue) => ({ field: fieldPath(issue.path), message: issue.message })),
  });
}

/**
 * Maps what the application throws to the API's error codes. `inputName`
 * prefixes the field of an invalid input (`input.url`); pass '' for plain arguments. Anything else is
 * left alone, so Yoga masks it as an internal error.
 */
export function toApiError(error: unknown, inputName = 'input'): unknown {
  if (error instanceof GraphQLError) return error;
  if (error instanceof DomainError) {
    switch (error.code) {
      case 'INVALID_INPUT': {
        // An empty inputName is for fields that take plain arguments rather than one input object.
        const field = error.field ? (inputName ? `${inputName}.${error.field}` : error.field) : undefined;
        return apiError('BAD_USER_INPUT', field ? `${field}: ${error.message}` : error.message, { field });
      }
      case 'NOT_FOUND':
        return apiError('NOT_FOUND', error.message);
      case 'ALREADY_EXISTS':
        return apiError('CONFLICT', error.message);
      case 'INVALID_STATE':
        return apiError('BAD_USER_INPUT', error.message, { field: error.field ? `${inputName}.${error.field}` : undefined });
      default: {
        const unhandled: never = error.code;
        return unhandled;
      }
    }
  }
  if (error instanceof NotFoundError) return apiError('NOT_FOUND', error.message);
  if (error instanceof ConflictError) return apiError('CONFLICT', error.message, { actualVersion: error.actualVersion });
  if (error instanceof UnauthenticatedError) return apiError('UNAUTHENTICATED', error.message);
  if (error instanceof ForbiddenError) return apiError('FORBIDDEN', error.message);
  return error;
}
