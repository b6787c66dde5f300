import { describe, expect, it } from 'vitest';
import { routeMessage, type RoutableWebhook } from '../../src/domain/message/routing.js';
import type { WebhookFilters, WebhookStatus } from '../../src/domain/webhook/webhook-events.js';

let created = 0;
const webhook = (id: string, filters: Partial<WebhookFilters>, state: WebhookStatus = 'VALID'): RoutableWebhook => ({
  id,
  state,
  filters: { productId: null, clouds: [], eventTypes: [], ...filters },
  createdAt: new Date(Date.UTC(2025, 0, 1, 0, 0, created++)).toISOString(),
});
const ids = (webhooks: RoutableWebhook[]) => webhooks.map((w) => w.id);

describe('routeMessage', () => {
  const tenantAws = webhook('tenant-aws', { clouds: ['AWS'] });
  const tenantAll = webhook('tenant-orders', { eventTypes: ['order.*'] });
  const productP1 = webhook('product-p1', { productId: 'p1' });
  const productP1Invoices = webhook('product-p1-invoices', { productId: 'p1', eventTypes: ['invoice.*'] });
  const productP2 = webhook('product-p2', { productId: 'p2' });
  const all = [tenantAws, tenantAll, productP1, productP1Invoices, productP2];

  it('sends a product message to that product’s webhooks only, when one of them takes it', () => {
    expect(ids(routeMessage(all, [], { type: 'order.created', productId: 'p1', cloud: 'AWS' }))).toEqual(['product-p1']);
    expect(ids(routeMessage(all, [], { type: 'invoice.paid', productId: 'p1' }))).toEqual(['product-p1', 'product-p1-invoices']);
  });

  it('falls back to the tenant-level webhooks for a product without its own', () => {
    expect(ids(routeMessage(all, [], { type: 'order.created', productId: 'p9', cloud: 'AWS' }))).toEqual(['tenant-aws', 'tenant-orders']);
    expect(ids(routeMessage(all, [], { type: 'order.created' }))).toEqual(['tenant-aws', 'tenant-orders']);
  });

  it('applies clouds and event-type patterns to tenant-level webhooks', () => {
    expect(ids(routeMessage(all, [], { type: 'order.created', cloud: 'GCP' }))).toEqual(['tenant-orders']);
    expect(ids(routeMessage(all, [], { type: 'user.created', cloud: 'GCP' }))).toEqual([]);
    expect(ids(routeMessage(all, [], { type: 'user.created', cloud: 'AWS' }))).toEqual(['tenant-aws']);
  });

  it('only VALID webhooks receive; a product webhook that is not VALID leaves its product to the tenant level', () => {
    for (const state of ['NEW', 'INVALID', 'DEACTIVATED'] as const) {
      const broken = webhook('p1-broken', { productId: 'p1' }, state);
      const tenantNotValid = webhook('tenant-broken', { clouds: ['AWS'] }, state);
      expect(ids(routeMessage([broken, tenantAws, tenantNotValid], [], { type: 'a', productId: 'p1', cloud: 'AWS' }))).toEqual([
        'tenant-aws',
      ]);
    }
  });

  it('a product webhook filtering out the event type leaves that type to the tenant level', () => {
    expect(ids(routeMessage([productP1Invoices, tenantAws], [], { type: 'order.created', productId: 'p1' }))).toEqual(['tenant-aws']);
  });

  it('sends a type the tenant switched off nowhere', () => {
    expect(routeMessage(all, ['private-offer.*'], { type: 'private-offer.created', productId: 'p1' })).toEqual([]);
    expect(routeMessage(all, ['order.created'], { type: 'order.created' })).toEqual([]);
    expect(ids(routeMessage(all, ['order.created'], { type: 'order.updated' }))).toEqual(['tenant-aws', 'tenant-orders']);
  });
});
