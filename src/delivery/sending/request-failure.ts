import { UnsafeTargetError } from '../targets/unsafe-target-error.js';
import type { SendFailureKind } from './webhook-sender.js';

export type RequestFailure = { kind: Extract<SendFailureKind, 'TIMEOUT' | 'CONNECTION' | 'UNSAFE_TARGET'>; message: string };

type ErrorWithDetails = Error & { code?: string; address?: string; port?: number; hostname?: string; cause?: unknown };

const TLS_CERTIFICATE_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'HOSTNAME_MISMATCH',
]);

/** Happy eyeballs fails with an AggregateError of one error per address tried; the first says enough. */
function innermost(error: unknown): ErrorWithDetails {
  let current = error;
  for (let depth = 0; depth < 5; depth++) {
    if (current instanceof AggregateError && current.errors.length > 0) {
      current = current.errors[0];
      continue;
    }
    break;
  }
  return current instanceof Error ? current : new Error(String(current));
}

/** ` by 10.0.0.1:443`, when the error says which address it was. */
const at = (error: ErrorWithDetails, preposition: string): string =>
  error.address !== undefined ? ` ${preposition} ${error.address}${error.port !== undefined ? `:${error.port}` : ''}` : '';

/**
 * Why a request got no response, in words for the attempt's record.
 * `timedOut`: the send's own deadline fired (its abort signal).
 */
export function describeRequestFailure(error: unknown, timedOut: boolean, timeoutMs: number): RequestFailure {
  if (timedOut) return { kind: 'TIMEOUT', message: `no complete response within ${timeoutMs} ms` };
  const cause = innermost(error);
  if (cause instanceof UnsafeTargetError) return { kind: 'UNSAFE_TARGET', message: cause.message };
  const code = cause.code ?? '';
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return { kind: 'TIMEOUT', message: `could not connect${at(cause, 'to')} within ${timeoutMs} ms` };
    case 'UND_ERR_HEADERS_TIMEOUT':
      return { kind: 'TIMEOUT', message: `no response headers within ${timeoutMs} ms` };
    case 'UND_ERR_BODY_TIMEOUT':
      return { kind: 'TIMEOUT', message: `response body stalled for ${timeoutMs} ms` };
    case 'ECONNREFUSED':
      return { kind: 'CONNECTION', message: `connection refused${at(cause, 'by')} (ECONNREFUSED)` };
    case 'ECONNRESET':
      return { kind: 'CONNECTION', message: 'connection reset by the receiver (ECONNRESET)' };
    case 'UND_ERR_SOCKET':
      return { kind: 'CONNECTION', message: `connection closed by the receiver before it answered (${cause.message})` };
    case 'ENOTFOUND':
      return { kind: 'CONNECTION', message: `host not found: ${cause.hostname ?? 'unknown'} (ENOTFOUND)` };
    case 'EAI_AGAIN':
      return { kind: 'CONNECTION', message: `DNS lookup failed, try again later: ${cause.hostname ?? 'unknown'} (EAI_AGAIN)` };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { kind: 'CONNECTION', message: `host unreachable${at(cause, 'at')} (${code})` };
    case 'EPIPE':
      return { kind: 'CONNECTION', message: 'connection closed by the receiver while sending (EPIPE)' };
    default:
      if (TLS_CERTIFICATE_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_')) {
        return { kind: 'CONNECTION', message: `TLS failed: ${cause.message} (${code})` };
      }
      return { kind: 'CONNECTION', message: code ? `${cause.message} (${code})` : cause.message };
  }
}
