/**
 * A webhook is deactivated automatically when every delivery attempt to it
 * has failed for `disableAfterMs`: `failingSince` is its first failed attempt
 * after its last success (or after it was reactivated or reconfigured), null
 * while it is not failing.
 */
export function shouldDisableFailingWebhook(failingSince: string | null, now: Date, disableAfterMs: number): boolean {
  if (failingSince === null) return false;
  return now.getTime() - Date.parse(failingSince) >= disableAfterMs;
}

/** The deactivation reason recorded on the webhook; `period` is the configured period as people write it (`5d`). */
export const failingWebhookReason = (period: string, failingSince: string): string =>
  `Every delivery attempt failed for ${period} (failing since ${failingSince})`;
