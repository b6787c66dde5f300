import {
  CancelledError,
  DeadlineExceededError,
  NotLeaderError,
  UnavailableError,
  UnknownError,
} from '@kurrent/kurrentdb-client';
import { EventStoreUnavailable } from '../errors.js';

// gRPC status codes; spelled out so src does not depend on @grpc/grpc-js directly.
const CANCELLED = 1;
const DEADLINE_EXCEEDED = 4;
const UNAVAILABLE = 14;

/**
 * Whether an error means "the server could not be reached or went away" rather
 * than "the server refused this request". The client does not always convert
 * transport failures into its own error classes (a failed append can reject
 * with the raw gRPC error), so status codes are checked as well.
 */
export function isConnectionFailure(error: unknown): boolean {
  if (
    error instanceof UnavailableError ||
    error instanceof DeadlineExceededError ||
    error instanceof CancelledError ||
    error instanceof NotLeaderError
  ) {
    return true;
  }
  // The native reader has no class for some transport failures (e.g. "Connection is closed." once its connection loop has ended).
  if (error instanceof UnknownError) return /connection|transport|h2 protocol|broken pipe/i.test(error.message);
  const code = (error as { code?: unknown } | null)?.code;
  return code === UNAVAILABLE || code === DEADLINE_EXCEEDED || code === CANCELLED;
}

/** EventStoreUnavailable for connection failures; any other error unchanged. */
export function toStoreError(error: unknown, doing: string): unknown {
  if (error instanceof EventStoreUnavailable || !isConnectionFailure(error)) return error;
  return new EventStoreUnavailable(`KurrentDB is unavailable (${doing})`, { cause: error });
}
