import { GraphQLError } from 'graphql';
import type { ZodError } from 'zod';
import { ConflictError, ForbiddenError, NotFoundError, UnauthenticatedError } from '../application/errors.js';
import { DomainError } from '../domain/errors.js';
import { InvalidCursor } from '../../projections/page-cursors.js';

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

const VARIABLE = /^Variable "\$(\w+)" /;
const VALUE_PATH = / at "(\w+(?:\.\w+|\[\d+\])*)"$/;
const NAMED_INPUT_FIELD = /^Field "(\w+)" (?:of required type|is not defined by type)/;

/**
 * A variable that does not fit its input type (a required field missing, an
 * unknown enum value, a field the type lacks) becomes BAD_USER_INPUT naming the
 * field by its path in the variables, e.g. `input.filters.clouds.0` for
 * `$input`. graphql-js puts that path only in its message,
 * `Variable "$input" got invalid value <value> at "input.filters.clouds[0]"; <reason>`,
 * whose reason is the original error's message. The value is left out of ours:
 * it may hold a secret. Anything else: undefined.
 */
export function invalidVariableError(error: GraphQLError): GraphQLError | undefined {
  const variable = VARIABLE.exec(error.message)?.[1];
  if (variable === undefined) return undefined;
  const reason = error.originalError?.message;
  if (reason === undefined || !error.message.endsWith(`; ${reason}`)) {
    // `Variable "$input" of required type "X!" was not provided.` and the like: no value in it.
    return new GraphQLError(`${variable}: ${error.message}`, {
      nodes: error.nodes,
      extensions: { code: 'BAD_USER_INPUT', field: variable },
    });
  }
  const head = error.message.slice(0, -(reason.length + 2));
  const path = (VALUE_PATH.exec(head)?.[1] ?? variable).replace(/\[(\d+)\]/g, '.$1');
  const named = NAMED_INPUT_FIELD.exec(reason)?.[1];
  const field = named ? `${path}.${named}` : path;
  return new GraphQLError(`${field}: ${reason}`, { nodes: error.nodes, extensions: { code: 'BAD_USER_INPUT', field } });
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
      case 'INVALID_STATE': {
        const field = error.field ? `${inputName}.${error.field}` : undefined;
        return apiError('BAD_USER_INPUT', field ? `${field}: ${error.message}` : error.message, { field });
      }
      default: {
        const unhandled: never = error.code;
        return unhandled;
      }
    }
  }
  if (error instanceof InvalidCursor) return apiError('BAD_USER_INPUT', error.message, { field: error.field });
  if (error instanceof NotFoundError) return apiError('NOT_FOUND', error.message);
  if (error instanceof ConflictError) return apiError('CONFLICT', error.message, { actualVersion: error.actualVersion });
  if (error instanceof UnauthenticatedError) return apiError('UNAUTHENTICATED', error.message);
  if (error instanceof ForbiddenError) return apiError('FORBIDDEN', error.message);
  return error;
}
