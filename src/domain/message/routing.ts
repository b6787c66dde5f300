import { eventTypeMatches } from '../event-type-patterns.js';
import type { Webhook } from '../webhook/webhook-events.js';
import { webhookMatches, type RoutedMessage } from '../webhook/webhook-rules.js';

/** What routing reads of a webhook. */
export type RoutableWebhook = Pick<Webhook, 'id' | 'state' | 'filters' | 'createdAt'>;

/**
 * Who receives a message among the tenant's webhooks:
 * 1. Nobody when the tenant switched the event type off (`disabledEventTypes`
 *    are patterns, as in the tenant's settings).
 * 2. Only VALID webhooks whose filters accept the message (product, clouds,
 *    event types: see webhookMatches) are candidates.
 * 3. When a candidate is product-level (its product is the message's), the
 *    product-level candidates receive it and the tenant-level ones do not;
 *    otherwise the tenant-level candidates receive it.
 *
 * So "a product-level webhook exists" means one that could take this very
 * message now: a product webhook that is NEW (not tested yet), INVALID,
 * DEACTIVATED or filtering this event type out does not silence the
 * tenant-level fallback. A message loses no receiver because its product's
 * webhook is broken or not ready, and a product webhook that wants only some
 * event types leaves the others to the tenant level.
 *
 * Returned oldest first (then by id), so that the same input always gives the
 * same list.
 */
export function routeMessage<W extends RoutableWebhook>(
  webhooks: readonly W[],
  disabledEventTypes: readonly string[],
  message: RoutedMessage,
): W[] {
  if (disabledEventTypes.some((pattern) => eventTypeMatches(pattern, message.type))) return [];
  const candidates = webhooks.filter((webhook) => webhook.state === 'VALID' && webhookMatches(webhook.filters, message));
  const productLevel = candidates.filter((webhook) => webhook.filters.productId !== null);
  const receivers = productLevel.length > 0 ? productLevel : candidates.filter((webhook) => webhook.filters.productId === null);
  return receivers.sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? -1 : 1) : a.createdAt < b.createdAt ? -1 : 1));
}
