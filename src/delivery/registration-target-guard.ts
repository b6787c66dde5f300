import type { TargetGuard } from '../application/webhooks/webhook-registry.js';
import { DomainError } from '../domain/errors.js';
import { assertSafeTarget } from './targets/assert-safe-target.js';
import { UnsafeTargetError } from './targets/unsafe-target-error.js';

/**
 * The registry's target guard on the SSRF rules: a url whose host is or
 * resolves to an address deliveries may not reach is refused at registration,
 * naming the field (a name that does not resolve yet is accepted; the
 * connect-time guard judges it at every delivery). Nothing is refused when
 * the deployment allows private targets.
 */
export function registrationTargetGuard(options: { allowPrivateTargets: boolean }): TargetGuard {
  return {
    async assertSafe(url, field) {
      try {
        await assertSafeTarget(url, { allowPrivateTargets: options.allowPrivateTargets });
      } catch (error) {
        if (error instanceof UnsafeTargetError) {
          throw DomainError.invalidInput(field, `${error.message}: deliveries may not reach it`);
        }
        throw error;
      }
    },
  };
}
