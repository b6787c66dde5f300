// Seed 000 (marketplace vendor webhooks): a vendor upserts one webhook per scope (vendor level by supported
// clouds, product level by product id) with basic, header API key or OAuth2 client-credentials auth; filters are
// required and may not be empty; a vendor-wide switch turns private-offer events off; no answer echoes a secret.
// Events go to the product's own webhook when it has one, else to the vendor-level one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PublishEventDocument,
  TenantDocument,
  UpdateTenantSettingsDocument,
  UpsertWebhookDocument,
  WebhookHistoryDocument,
  WebhooksDocument,
  type Cloud,
  type CreateWebhookInput,
  type PublishEventInput,
} from '../generated/graphql.js';
import { deliveriesIn, finalDelivery, LOCAL_DELIVERY_ENV, receiverPool, validWebhook } from '../support/delivery-steps.js';
import type { WebhookReceiver } from '../support/receivers/webhook-receiver.js';
import { startRegistryServer, type RegistryServer, type TenantSession } from '../support/registry-server.js';
import { dataOf, errorOf } from '../support/typed-client.js';

const CALLBACK = 'https://vendor-callback.receiver.invalid/webhooks';
const ALL_CLOUDS: Cloud[] = ['AWS', 'AZURE', 'GCP', 'REDHAT'];
const SECRETS = ['your-api-key-here', 'your-password-here', 'your-client-secret-here'];
const SECRET_PATTERN = new RegExp(SECRETS.join('|'));

describe('seed 000: marketplace vendor webhooks', () => {
  let hookgate: RegistryServer;
  let vendor: TenantSession;
  const receivers = receiverPool();

  const upsert = (input: CreateWebhookInput, as: TenantSession = vendor) => as.client(UpsertWebhookDocument, { input });

  beforeAll(async () => {
    hookgate = await startRegistryServer(LOCAL_DELIVERY_ENV);
    vendor = await hookgate.newTenant('vendor');
  });
  afterAll(async () => {
    await hookgate?.stop();
    await receivers.closeAll();
  });

  /** A vendor with a vendor-level webhook (all clouds, header API key auth) and one for product prod-a, both VALID. */
  async function vendorWithReceivers(name: string) {
    const tenant = await hookgate.newTenant(name);
    const vendorLevel = await receivers.start({ auth: { type: 'apiKey', headerName: 'X-Vendor-Key', apiKey: 'vendor-key-1' } });
    const productA = await receivers.start();
    const vendorWebhook = await validWebhook(tenant.client, vendorLevel, {
      filters: { clouds: ALL_CLOUDS },
      auth: { type: 'HEADER_API_KEY', headerName: 'X-Vendor-Key', apiKey: 'vendor-key-1' },
    });
    const productWebhook = await validWebhook(tenant.client, productA, { filters: { productId: 'prod-a' } });
    return { tenant, vendorLevel, productA, vendorWebhook, productWebhook };
  }

  /** Publishes, waits for every delivery to land, and answers which webhooks it went to. */
  async function publishAndDeliver(tenant: TenantSession, input: PublishEventInput) {
    const { message, deliveries } = dataOf(await tenant.client(PublishEventDocument, { input })).publishEvent;
    for (const delivery of deliveries) expect(await finalDelivery(tenant.client, delivery.id)).toMatchObject({ status: 'SUCCEEDED' });
    return { messageId: message.id, webhookIds: deliveries.map((d) => d.webhookId) };
  }

  const receivedTypes = (receiver: WebhookReceiver) =>
    deliveriesIn(receiver.requests).map((r) => {
      expect(r).toMatchObject({ verified: true, authorized: true });
      return (JSON.parse(r.body) as { type: string }).type;
    });

  it('upserts the vendor-level webhook with each auth type, keeping one webhook, and never echoes a secret', async () => {
    const filters = { clouds: ALL_CLOUDS };
    const withApiKey = await upsert({
      url: CALLBACK,
      filters,
      auth: { type: 'HEADER_API_KEY', headerName: 'your-auth-header-here', apiKey: 'your-api-key-here' },
    });
    const created = dataOf(withApiKey).upsertWebhook;
    expect(created).toMatchObject({
      created: true,
      webhook: {
        url: CALLBACK,
        scope: 'TENANT',
        productId: null,
        filters: { clouds: ALL_CLOUDS, productId: null },
        auth: { type: 'HEADER_API_KEY', headerName: 'your-auth-header-here' },
      },
    });
    expect(created.signingSecret).toMatch(/^whsec_/);

    const withBasic = await upsert({ url: CALLBACK, filters, auth: { type: 'BASIC', username: 'your-username-here', password: 'your-password-here' } });
    const withOAuth2 = await upsert({
      url: CALLBACK,
      filters,
      auth: {
        type: 'OAUTH2_CLIENT_CREDENTIALS',
        clientId: 'your-client-id-here',
        clientSecret: 'your-client-secret-here',
        tokenUrl: 'https://token.receiver.invalid/oauth/token',
      },
    });
    expect(dataOf(withBasic).upsertWebhook).toMatchObject({
      created: false,
      signingSecret: null,
      webhook: { id: created.webhook.id, auth: { type: 'BASIC', username: 'your-username-here' } },
    });
    expect(dataOf(withOAuth2).upsertWebhook).toMatchObject({
      created: false,
      signingSecret: null,
      webhook: {
        id: created.webhook.id,
        auth: { type: 'OAUTH2_CLIENT_CREDENTIALS', clientId: 'your-client-id-here', tokenUrl: 'https://token.receiver.invalid/oauth/token', username: null },
      },
    });

    const vendorLevel = dataOf(await vendor.client(WebhooksDocument, { filter: { tenantLevelOnly: true } })).webhooks;
    expect(vendorLevel.edges.map(({ node }) => node.id)).toEqual([created.webhook.id]);
    const history = await vendor.client(WebhookHistoryDocument, { id: created.webhook.id });
    // Automatic tests (the delivery work) may add WebhookTested entries in between.
    const changes = dataOf(history).webhookHistory.map((entry) => entry.type).filter((type) => type !== 'WebhookTested');
    expect(changes).toEqual(['WebhookCreated', 'WebhookUpdated', 'WebhookUpdated']);
    for (const answer of [withApiKey, withBasic, withOAuth2, vendorLevel, history]) {
      expect(JSON.stringify(answer)).not.toMatch(SECRET_PATTERN);
    }
  });

  it('keeps product-level webhooks apart from the vendor-level one, one per product id', async () => {
    const tenant = await hookgate.newTenant('vendor-with-products');
    const vendorLevel = dataOf(await upsert({ url: CALLBACK, filters: { clouds: ['AWS'] } }, tenant)).upsertWebhook.webhook;
    const productA = dataOf(await upsert({ url: `${CALLBACK}/a`, filters: { productId: 'prod-a' } }, tenant)).upsertWebhook;
    const productAagain = dataOf(await upsert({ url: `${CALLBACK}/a2`, filters: { productId: 'prod-a' } }, tenant)).upsertWebhook;
    const productB = dataOf(await upsert({ url: `${CALLBACK}/b`, filters: { productId: 'prod-b', clouds: ['GCP'] } }, tenant)).upsertWebhook;

    expect(productA).toMatchObject({ created: true, webhook: { scope: 'PRODUCT', productId: 'prod-a', filters: { productId: 'prod-a' } } });
    expect(productAagain).toMatchObject({ created: false, webhook: { id: productA.webhook.id, url: `${CALLBACK}/a2` } });
    expect(productB).toMatchObject({ created: true, webhook: { scope: 'PRODUCT', productId: 'prod-b', filters: { clouds: ['GCP'] } } });
    expect(new Set([vendorLevel.id, productA.webhook.id, productB.webhook.id]).size).toBe(3);

    const ids = async (filter: { productId?: string; tenantLevelOnly?: boolean }) =>
      dataOf(await tenant.client(WebhooksDocument, { filter })).webhooks.edges.map(({ node }) => node.id);
    expect(await ids({ productId: 'prod-a' })).toEqual([productA.webhook.id]);
    expect(await ids({ productId: 'prod-b' })).toEqual([productB.webhook.id]);
    expect(await ids({ tenantLevelOnly: true })).toEqual([vendorLevel.id]);
    expect((await ids({})).sort()).toEqual([vendorLevel.id, productA.webhook.id, productB.webhook.id].sort());
  });

  it('delivers an event of a product with its own webhook there only; other products fall back to the vendor-level webhook', async () => {
    const { tenant, vendorLevel, productA, vendorWebhook, productWebhook } = await vendorWithReceivers('vendor-routing');

    const ofProductA = await publishAndDeliver(tenant, { type: 'offer.accepted', payload: { offer: 1 }, productId: 'prod-a', cloud: 'AWS' });
    expect(ofProductA.webhookIds).toEqual([productWebhook.id]);
    const ofProductB = await publishAndDeliver(tenant, { type: 'offer.accepted', payload: { offer: 2 }, productId: 'prod-b', cloud: 'AWS' });
    expect(ofProductB.webhookIds).toEqual([vendorWebhook.id]);

    expect(receivedTypes(productA)).toEqual(['offer.accepted']);
    expect(deliveriesIn(productA.requests)[0]!.webhookId).toBe(ofProductA.messageId);
    expect(JSON.parse(deliveriesIn(productA.requests)[0]!.body).data).toEqual({ offer: 1 });
    // The vendor-level webhook authenticates with its API key header; it got product B's event only.
    expect(receivedTypes(vendorLevel)).toEqual(['offer.accepted']);
    expect(deliveriesIn(vendorLevel.requests)[0]!.webhookId).toBe(ofProductB.messageId);
    expect(deliveriesIn(vendorLevel.requests)[0]!.headers['x-vendor-key']).toBe('vendor-key-1');
  });

  it('requires filters and refuses empty ones, naming the field, creating nothing', async () => {
    const tenant = await hookgate.newTenant('vendor-without-filters');
    const missing = await upsert({ url: CALLBACK } as CreateWebhookInput, tenant);
    const empty = await upsert({ url: CALLBACK, filters: {} }, tenant);
    const emptyClouds = await upsert({ url: CALLBACK, filters: { clouds: [] } }, tenant);
    for (const refused of [missing, empty, emptyClouds]) {
      expect(errorOf(refused).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.filters' });
    }
    const all = dataOf(await tenant.client(WebhooksDocument, { filter: { states: ['NEW', 'VALID', 'INVALID', 'DEACTIVATED'] } }));
    expect(all.webhooks.totalCount).toBe(0);
  });

  it('switches private-offer events off and on vendor-wide, for every webhook of the vendor only', async () => {
    const tenant = await hookgate.newTenant('vendor-private-offers');
    const other = await hookgate.newTenant('another-vendor');
    const off = dataOf(await tenant.client(UpdateTenantSettingsDocument, { input: { disabledEventTypes: ['private-offer.*'] } }));
    expect(off.updateTenantSettings.tenant.disabledEventTypes).toEqual(['private-offer.*']);
    expect(dataOf(await tenant.client(TenantDocument)).tenant.disabledEventTypes).toEqual(['private-offer.*']);
    expect(dataOf(await other.client(TenantDocument)).tenant.disabledEventTypes).toEqual([]);

    const on = dataOf(await tenant.client(UpdateTenantSettingsDocument, { input: { disabledEventTypes: [] } }));
    expect(on.updateTenantSettings.tenant.disabledEventTypes).toEqual([]);
    // The admin sees the same setting of the vendor.
    expect(dataOf(await hookgate.admin(TenantDocument, { id: tenant.id })).tenant.disabledEventTypes).toEqual([]);
  });

  it('while private-offer.* is switched off, a private-offer event reaches neither the vendor-level nor any product-level webhook', async () => {
    const { tenant, vendorLevel, productA } = await vendorWithReceivers('vendor-private-offers-delivery');
    dataOf(await tenant.client(UpdateTenantSettingsDocument, { input: { disabledEventTypes: ['private-offer.*'] } }));

    const offForProduct = await publishAndDeliver(tenant, { type: 'private-offer.created', payload: {}, productId: 'prod-a', cloud: 'AWS' });
    const offForVendor = await publishAndDeliver(tenant, { type: 'private-offer.created', payload: {}, productId: 'prod-b', cloud: 'AWS' });
    expect([offForProduct.webhookIds, offForVendor.webhookIds]).toEqual([[], []]);
    // Other events still flow, and once they have landed nothing private was sent before them.
    await publishAndDeliver(tenant, { type: 'offer.created', payload: {}, productId: 'prod-a', cloud: 'AWS' });
    await publishAndDeliver(tenant, { type: 'offer.created', payload: {}, productId: 'prod-b', cloud: 'AWS' });
    expect([receivedTypes(productA), receivedTypes(vendorLevel)]).toEqual([['offer.created'], ['offer.created']]);

    dataOf(await tenant.client(UpdateTenantSettingsDocument, { input: { disabledEventTypes: [] } }));
    const onAgain = await publishAndDeliver(tenant, { type: 'private-offer.created', payload: {}, productId: 'prod-a', cloud: 'AWS' });
    expect(onAgain.webhookIds).toHaveLength(1);
    expect(receivedTypes(productA)).toEqual(['offer.created', 'private-offer.created']);
  });
});
