import { DomainError } from '../../domain/errors.js';
import type { WebhookAuth } from '../../domain/webhook/webhook-events.js';
import { mapAuthSecrets, validateAuthInput, type AuthInput, type WebhookFiltersInput } from '../../domain/webhook/webhook-rules.js';
import type { SecretBox } from '../../secrets/secret-box.js';

export interface HeaderInput {
  name: string;
  value: string;
}

/** A webhook's configuration as an API receives it; secrets still in plain text. */
export interface WebhookConfigInput {
  url?: string | null;
  description?: string | null;
  filters?: WebhookFiltersInput | null;
  auth?: AuthInput | null;
  headers?: HeaderInput[] | null;
}

/** Header lists become the name → value map the domain checks; a name given twice is refused here. */
export function headersFromList(headers: HeaderInput[] | null | undefined): Record<string, string> | null | undefined {
  if (headers === null || headers === undefined) return headers;
  const map: Record<string, string> = {};
  for (const { name, value } of headers) {
    if (Object.hasOwn(map, name)) throw DomainError.invalidInput(`headers.${name}`, 'is given twice');
    Object.defineProperty(map, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return map;
}

/** Validates auth as typed, then seals its secret so that plain text goes no further than this call. */
export function sealAuth(input: AuthInput | null | undefined, secrets: SecretBox, allowHttp: boolean): WebhookAuth {
  const plain = validateAuthInput(input, { allowHttp });
  return mapAuthSecrets(plain, (secret) => secrets.seal(secret));
}
