import { describe, expect, it } from 'vitest';
import { validateEventType } from '../../src/domain/event-type-patterns.js';
import { DomainError } from '../../src/domain/errors.js';
import type { WebhookFilters } from '../../src/domain/webhook/webhook-events.js';
import { eventTypeMatches, webhookMatches } from '../../src/domain/webhook/webhook-rules.js';

describe('eventTypeMatches', () => {
  it.each([
    ['invoice.paid', 'invoice.paid', true],
    ['invoice.paid', 'invoice.paid.late', false],
    ['invoice.paid', 'Invoice.paid', false],
    ['invoice.*', 'invoice.paid', true],
    ['invoice.*', 'invoice.line.added', true],
    ['invoice.*', 'invoice', false],
    ['invoice.*', 'invoices.paid', false],
    ['invoice.*', 'order.paid', false],
    ['*', 'anything.at.all', true],
    ['*', '101', true],
  ])('%s against %s: %s', (pattern, type, expected) => {
    expect(eventTypeMatches(pattern, type)).toBe(expected);
  });
});

describe('validateEventType (a published type, not a pattern)', () => {
  it('accepts a type and refuses wildcards and bad characters', () => {
    expect(validateEventType('invoice.paid', 'type')).toBe('invoice.paid');
    for (const bad of ['*', 'invoice.*', 'a..b', 'a b', 'x'.repeat(129)]) {
      expect(() => validateEventType(bad, 'type')).toThrow(DomainError);
    }
  });
});

describe('webhookMatches', () => {
  const filters = (f: Partial<WebhookFilters>): WebhookFilters => ({ productId: null, clouds: [], eventTypes: [], ...f });

  it('a product-level webhook takes only its product', () => {
    const product = filters({ productId: 'p1' });
    expect(webhookMatches(product, { type: 'a', productId: 'p1' })).toBe(true);
    expect(webhookMatches(product, { type: 'a', productId: 'p2' })).toBe(false);
    expect(webhookMatches(product, { type: 'a' })).toBe(false);
  });

  it('a tenant-level webhook takes any product', () => {
    expect(webhookMatches(filters({ clouds: ['AWS'] }), { type: 'a', productId: 'p1', cloud: 'AWS' })).toBe(true);
  });

  it('the cloud filter applies to messages that name a cloud', () => {
    const aws = filters({ clouds: ['AWS', 'GCP'] });
    expect(webhookMatches(aws, { type: 'a', cloud: 'GCP' })).toBe(true);
    expect(webhookMatches(aws, { type: 'a', cloud: 'AZURE' })).toBe(false);
    expect(webhookMatches(aws, { type: 'a' })).toBe(true);
    expect(webhookMatches(aws, { type: 'a', cloud: null })).toBe(true);
  });

  it('the event type filter needs one matching pattern; no patterns take every type', () => {
    const invoices = filters({ eventTypes: ['invoice.*', 'order.created'] });
    expect(webhookMatches(invoices, { type: 'invoice.paid' })).toBe(true);
    expect(webhookMatches(invoices, { type: 'order.created' })).toBe(true);
    expect(webhookMatches(invoices, { type: 'order.cancelled' })).toBe(false);
    expect(webhookMatches(filters({ clouds: ['AWS'] }), { type: 'order.cancelled' })).toBe(true);
  });

  it('all filters must accept', () => {
    const all = filters({ productId: 'p1', clouds: ['AWS'], eventTypes: ['invoice.*'] });
    expect(webhookMatches(all, { type: 'invoice.paid', productId: 'p1', cloud: 'AWS' })).toBe(true);
    expect(webhookMatches(all, { type: 'invoice.paid', productId: 'p1', cloud: 'GCP' })).toBe(false);
    expect(webhookMatches(all, { type: 'order.paid', productId: 'p1', cloud: 'AWS' })).toBe(false);
  });
});
