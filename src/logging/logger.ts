import { pino, type Logger } from 'pino';

export type { Logger };

/** Secrets must never reach a log line, whatever object a caller hands over. */
const REDACTED_PATHS = [
  'password',
  'apiKey',
  'clientSecret',
  'signingSecret',
  'secret',
  '*.password',
  '*.apiKey',
  '*.clientSecret',
  '*.signingSecret',
  '*.secret',
  'headers.authorization',
  'req.headers.authorization',
];

export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' } });
}
