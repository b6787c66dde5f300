import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deliveryProjection } from '../../projections/deliveries/delivery-projection.js';
import { DeliveryQueries } from '../../projections/deliveries/delivery-queries.js';
import { DueDeliveries } from '../../projections/deliveries/due-deliveries.js';
import { DueDeliveryMirror } from '../../projections/deliveries/due-delivery-mirror.js';
import { WebhookDirectory } from '../../projections/deliveries/webhook-directory.js';
import { allProjections } from '../../projections/all-projections.js';
import type { Projection } from '../../projections/projection.js';
import { ProjectionRunner } from '../../projections/projection-runner.js';
import { ReadModelDatabase } from '../../projections/read-model-database.js';
import { CommitScopedCache } from '../../projections/commit-scoped-cache.js';
import { watchOtherWriters } from '../../projections/other-writers-watch.js';
import { tenantProjection } from '../../projections/tenants/tenant-projection.js';
import { TenantQueries } from '../../projections/tenants/tenant-queries.js';
import { triggerProjection } from '../../projections/triggers/trigger-projection.js';
import { TriggerQueries } from '../../projections/triggers/trigger-queries.js';
import { webhookProjection } from '../../projections/webhooks/webhook-projection.js';
import { WebhookQueries } from '../../projections/webhooks/webhook-queries.js';
import type { Actor } from '../access/actor.js';
import { authenticate } from '../access/authenticate.js';
import { EventPublisher } from '../application/deliveries/event-publisher.js';
import { Redelivery } from '../application/deliveries/redelivery.js';
import { WebhookHealthReport } from '../application/deliveries/webhook-health-report.js';
import { WebhookTesting } from '../application/deliveries/webhook-testing.js';
import type { Services } from '../application/services.js';
import { TenantAdmin } from '../application/tenants/tenant-admin.js';
import { PublishingForwarder } from '../application/triggers/publishing-forwarder.js';
import { TriggerCalls } from '../application/triggers/trigger-calls.js';
import { TriggerForwarding } from '../application/triggers/trigger-forwarding.js';
import { TriggerForwardingReactor } from '../application/triggers/trigger-forwarding-reactor.js';
import { TriggerRegistry, type TriggerReadModel } from '../application/triggers/trigger-registry.js';
import { WebhookHistory } from '../application/webhooks/webhook-history.js';
import { WebhookRegistry } from '../application/webhooks/webhook-registry.js';
import type { Config } from '../config/config.js';
import { registrationTargetGuard } from '../delivery/registration-target-guard.js';
import { parseDisableAfter, parseRetrySchedule } from '../delivery/retry-schedule.js';
import { ThreadedWebhookSender } from '../delivery/sending/threaded-webhook-sender.js';
import { UndiciWebhookSender } from '../delivery/sending/undici-webhook-sender.js';
import type { WebhookSender } from '../delivery/sending/webhook-sender.js';
import { AutoTester } from '../delivery/tester/auto-tester.js';
import { WebhookEndpoints } from '../delivery/webhook-endpoints.js';
import { allDeliveries, type DeliveryAssignment } from '../delivery/worker/delivery-assignment.js';
import { DeliveryWorker } from '../delivery/worker/delivery-worker.js';
import { PublishAdmission } from '../delivery/worker/publish-admission.js';
import type { EventStore } from '../eventstore/event-store.js';
import { logCheckpointErrors } from '../eventstore/sqlite/background-checkpoints.js';
import { createHookgateYoga } from '../graphql/create-yoga.js';
import { admitGraphQLBody, MAX_GRAPHQL_BODY_BYTES } from './graphql-body-limit.js';
import { readBody } from './read-body.js';
import { schema } from '../graphql/schema.js';
import type { Logger } from '../logging/logger.js';
import { type Clock, systemClock } from '../ports/clock.js';
import { type IdGenerator, uuidGenerator } from '../ports/ids.js';
import { EventHub } from '../realtime/event-hub.js';
import { LiveFeeds } from '../realtime/live-feeds.js';
import { attachSubscriptions } from '../realtime/subscription-server.js';
import { timeOrderedIds } from '../ports/time-ordered-ids.js';
import { loadEncryptionKeys } from '../secrets/encryption-keys.js';
import { SecretBox } from '../secrets/secret-box.js';
import { handleHealthCheck } from './health-check.js';
import { handleInboundHook } from './inbound-hooks.js';
import { INBOUND_HOOKS_PREFIX } from './inbound-hooks-path.js';

export interface AppDependencies {
  config: Config;
  store: EventStore;
  logger: Logger;
  clock?: Clock;
  ids?: IdGenerator;
  /** Ids of messages and deliveries; time-ordered by default, which keeps SQLite's writes local. */
  deliveryIds?: IdGenerator;
  /** Where deliveries and tests leave: the undici sender unless a test swaps the port. */
  sender?: WebhookSender;
  /** Which deliveries this instance works on: all of them unless a scale-out deployment says otherwise. */
  deliveryAssignment?: DeliveryAssignment;
  /** Retry jitter source, in [0, 1). */
  random?: () => number;
}

export interface App {
  /** Catches the read models up, creates the default tenant on a new development store, listens; resolves with the base url. */
  start(): Promise<string>;
  /** Stops accepting requests, closes open connections, stops the projections, then closes the store. */
  stop(): Promise<void>;
  readonly server: Server;
  readonly services: Services;
}

const WRITE_VISIBLE_TIMEOUT_MS = 10_000;

/** How long the worker and the auto-tester wait for the read models to catch up with the log before they start. */
const CATCH_UP_TIMEOUT_MS = 10 * 60_000;

export function buildApp({
  config,
  store,
  logger,
  clock = systemClock,
  ids = uuidGenerator,
  deliveryIds = timeOrderedIds,
  sender = undefined,
  deliveryAssignment = allDeliveries,
  random = Math.random,
}: AppDependencies): App {
  // Bad durations stop the start here, naming the variable.
  const retrySchedule = parseRetrySchedule(config.retrySchedule);
  const disableAfterMs = parseDisableAfter(config.disableAfter);
  const secrets = new SecretBox(
    loadEncryptionKeys({
      fromEnvironment: config.encryptionKey,
      dataDir: config.dataDir,
      mayCreateKeyFile: !config.kurrentDbConnectionString,
    }),
  );
  const readModels = new ReadModelDatabase(config.readModelPath, { onCheckpointError: logCheckpointErrors(logger) });
  const runners = allProjections.map((projection) => new ProjectionRunner(store, readModels, projection, logger));
  const runnerOf = (projection: Projection) => runners.find((runner) => runner.projection === projection)!;
  const webhookRunner = runnerOf(webhookProjection);
  const tenantRunner = runnerOf(tenantProjection);
  const triggerRunner = runnerOf(triggerProjection);
  const deliveryRunner = runnerOf(deliveryProjection);
  const webhookQueries = new WebhookQueries(readModels.db);
  const tenantQueries = new TenantQueries(readModels.db);
  const triggerQueries = new TriggerQueries(readModels.db);
  const deliveryQueries = new DeliveryQueries(readModels.db);
  const dueDeliveries = new DueDeliveries(readModels.db);
  const dueQueue = new DueDeliveryMirror(dueDeliveries);
  deliveryRunner.onApplied((events) => dueQueue.refresh(events));
  const webhookDirectory = new WebhookDirectory(readModels.db);
  webhookRunner.onApplied(() => webhookDirectory.forget());
  // Who an Authorization header proves, and tenants' switched-off event types: read on every request and publish.
  const actors = new CommitScopedCache<string, Actor>();
  const disabledEventTypes = new CommitScopedCache<string, readonly string[]>();
  const forgetTenantReads = () => {
    actors.clear();
    disabledEventTypes.clear();
  };
  tenantRunner.onApplied(forgetTenantReads);
  const stopWatchingOtherWriters = watchOtherWriters(readModels, () => {
    webhookDirectory.forget();
    forgetTenantReads();
    dueQueue.reload();
  });
  const senderOptions = { timeoutMs: config.deliveryTimeoutMs, allowPrivateTargets: config.allowPrivateTargets };
  const threadedSender = !sender && config.senderThread ? new ThreadedWebhookSender(senderOptions, logger) : undefined;
  const webhookSender = sender ?? threadedSender ?? new UndiciWebhookSender(senderOptions);
  const endpoints = new WebhookEndpoints(secrets, webhookSender);
  const webhookVisible = (position: number) => webhookRunner.waitForPosition(position, WRITE_VISIBLE_TIMEOUT_MS);
  const deliveryVisible = (position: number) => deliveryRunner.waitForPosition(position, WRITE_VISIBLE_TIMEOUT_MS);
  const webhookTesting = new WebhookTesting({
    store,
    sender: webhookSender,
    endpoints,
    clock,
    ids,
    readModel: { webhook: (tenantId, id) => webhookDirectory.get(tenantId, id), waitForPosition: webhookVisible },
  });
  const triggerReadModel: TriggerReadModel = {
    trigger: (tenantId, id) => triggerQueries.trigger(tenantId, id),
    forCall: (id) => triggerQueries.forCall(id),
    runOfMessage: (triggerId, messageId) => triggerQueries.runOfMessage(triggerId, messageId),
    waitForPosition: (position) => triggerRunner.waitForPosition(position, WRITE_VISIBLE_TIMEOUT_MS),
  };
  const liveHub = new EventHub(store, logger);
  const authenticateHeader = (authorization: string | null | undefined) =>
    actors.get(authorization ?? '', (header) =>
      authenticate(header, config.adminToken, { activeKeyByHash: (hash) => tenantQueries.activeKeyByHash(hash) }),
    );
  const triggerCalls = new TriggerCalls({ store, readModel: triggerReadModel, secrets, clock, ids });

  // Backpressure on publishEvent while the delivery backlog is over its limit (the worker is built below). Only
  // where this gateway does all the work: otherwise its read model also shows the others' due deliveries.
  const publishAdmission = new PublishAdmission(
    {
      dueBacklog: (limit) => worker.dueBacklog(limit),
      onProgress: (listener) => deliveryRunner.onAdvance(() => listener()),
    },
    { backlogLimit: deliveryAssignment.sharedWithOthers ? 0 : config.publishBacklog, maxWaitMs: config.publishMaxWaitMs },
  );

  const services: Services = {
    webhooks: new WebhookRegistry({
      store,
      secrets,
      clock,
      ids,
      allowHttp: config.allowHttp,
      targetGuard: registrationTargetGuard({ allowPrivateTargets: config.allowPrivateTargets }),
      readModel: {
        webhook: (tenantId, id) => webhookQueries.webhook(tenantId, id),
        waitForPosition: webhookVisible,
      },
    }),
    webhookQueries,
    webhookHistory: new WebhookHistory(store),
    tenants: new TenantAdmin({
      store,
      clock,
      ids,
      readModel: {
        tenant: (id) => tenantQueries.tenant(id),
        apiKeys: (tenantId) => tenantQueries.apiKeys(tenantId),
        waitForPosition: (position) => tenantRunner.waitForPosition(position, WRITE_VISIBLE_TIMEOUT_MS),
      },
    }),
    tenantQueries,
    publisher: new EventPublisher({
      store,
      clock,
      ids: deliveryIds,
      admission: publishAdmission,
      readModel: {
        validWebhooks: (tenantId) => webhookDirectory.valid(tenantId),
        disabledEventTypes: (tenantId) =>
          disabledEventTypes.get(tenantId, () => tenantQueries.tenant(tenantId)?.disabledEventTypes ?? []),
        message: (tenantId, id) => deliveryQueries.message(tenantId, id),
        deliveriesOfMessage: (tenantId, id) => deliveryQueries.deliveriesOfMessage(tenantId, id),
        waitForPosition: deliveryVisible,
      },
    }),
    redelivery: new Redelivery({
      store,
      clock,
      readModel: {
        delivery: (tenantId, id) => deliveryQueries.delivery(tenantId, id),
        webhook: (tenantId, id) => webhookDirectory.get(tenantId, id),
        failedDeliveries: (...args) => deliveryQueries.failedDeliveries(...args),
        waitForPosition: deliveryVisible,
      },
    }),
    webhookTesting,
    webhookHealth: new WebhookHealthReport(deliveryQueries, clock),
    deliveryQueries,
    live: new LiveFeeds(liveHub, store, config.subscriptionBuffer),
    triggers: new TriggerRegistry({ store, readModel: triggerReadModel, secrets, clock, ids }),
    triggerQueries,
  };

  const worker = new DeliveryWorker({
    store,
    sender: webhookSender,
    endpoints,
    assignment: deliveryAssignment,
    instanceId: config.instanceId,
    clock,
    random,
    logger,
    progress: {
      onAdvance: (listener) => deliveryRunner.onAdvance(listener),
      get position() {
        return deliveryRunner.checkpoint;
      },
    },
    queue: {
      due: (now, limit, skipWebhooks, skip) => dueQueue.due(now, limit, skipWebhooks, skip),
      nextDueAfter: (now) => dueQueue.nextDueAfter(now),
      message: (id) => dueDeliveries.message(id),
      webhook: (tenantId, id) => webhookDirectory.get(tenantId, id),
      failingSince: (webhookId) => deliveryQueries.failingSince(webhookId),
    },
    settings: {
      schedule: retrySchedule,
      disableAfterMs,
      disableAfterText: config.disableAfter,
      concurrency: config.deliveryConcurrency,
      perWebhookConcurrency: config.deliveryConcurrencyPerWebhook,
    },
  });
  const autoTester = new AutoTester({
    awaitingTest: () => webhookDirectory.awaitingTest(),
    test: (tenantId, webhookId, version) => webhookTesting.testAutomatically(tenantId, webhookId, version),
    onWebhooksChanged: (listener) => webhookRunner.onAdvance(listener),
    logger,
  });

  const triggerForwarding = new TriggerForwarding({ store, forwarder: new PublishingForwarder(services.publisher), clock });
  const forwardingReactor = new TriggerForwardingReactor({
    awaitingForward: (limit) => triggerQueries.awaitingForward(limit),
    forward: (run) => triggerForwarding.forwardRun(run),
    onRunsChanged: (listener) => triggerRunner.onAdvance(listener),
    logger,
  });

  /**
   * The worker, the tester and the forwarding reactor act on what the read models say, so they start
   * once the read models have caught up with the log as it was at start:
   * a stale read model would only cause needless duplicate sends.
   */
  async function startBackgroundWork(): Promise<void> {
    const head = await store.headPosition();
    await Promise.all([
      ...[deliveryRunner, webhookRunner].map((runner) => runner.waitForPosition(head, CATCH_UP_TIMEOUT_MS)),
      // The trigger projection sees trigger streams only, so it is waited for up to the head before it started: a
      // read model being rebuilt would show runs forwarded long ago (beyond the idempotency window) as waiting.
      triggerRunner.waitForPosition(headBeforeProjections, CATCH_UP_TIMEOUT_MS),
    ]);
    if (stopping) return;
    await deliveryAssignment.start();
    worker.start();
    autoTester.start();
    forwardingReactor.start();
  }

  const yoga = createHookgateYoga({
    schema,
    logger,
    production: config.production,
    context: async (request) => ({
      actor: authenticateHeader(request.headers.get('authorization')),
      correlationId: request.headers.get('x-correlation-id')?.slice(0, 128) || randomUUID(),
      services,
    }),
  });

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      logger.error({ err: error, url: req.url }, 'request failed');
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    });
  });

  const subscriptions = attachSubscriptions(server, {
    yoga,
    hub: liveHub,
    logger,
    authenticate: authenticateHeader,
    production: config.production,
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      const failed = runners.find((runner) => runner.error);
      await handleHealthCheck(store, req, res, failed?.error);
      return;
    }
    if (path?.startsWith(INBOUND_HOOKS_PREFIX)) {
      await handleInboundHook(req, res, path, triggerCalls);
      return;
    }
    if (path === yoga.graphqlEndpoint) {
      if (!admitGraphQLBody(req, res)) return;
      if (Number(req.headers['content-length'] ?? 0) > 0) {
        // Within the limit (admitted above, and Node holds a body to its declared length): read whole, for Yoga.
        const read = await readBody(req, MAX_GRAPHQL_BODY_BYTES);
        if (read.kind === 'gone') return;
        if (read.kind === 'too-large') throw new Error('a GraphQL request body longer than its admitted Content-Length');
        (req as IncomingMessage & { body?: Buffer }).body = read.body;
      }
      await yoga.requestListener(req, res);
      return;
    }
    res.statusCode = 404;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ error: 'not found' }));
  }

  async function bootstrapDefaultTenant(): Promise<void> {
    if (config.production || (await store.headPosition()) !== 0) return;
    const { tenant, apiKey } = await services.tenants.createTenant('system', randomUUID(), 'default', 'default');
    logger.info({ tenantId: tenant.id, apiKeyId: apiKey.key.keyId }, 'created the default tenant');
    // Printed once, outside the structured log, so that a newcomer sees it and the log keeps no secret.
    process.stdout.write(
      `\nhookgate: a new store, so a "default" tenant was created. Its API key (shown only now):\n\n    ${apiKey.plaintext}\n\n`,
    );
  }

  let stopping: Promise<void> | undefined;
  let headBeforeProjections = 0;

  return {
    server,
    services,
    start: async () => {
      headBeforeProjections = await store.headPosition();
      for (const runner of runners) runner.start();
      await threadedSender?.ready;
      await liveHub.start();
      await bootstrapDefaultTenant();
      startBackgroundWork().catch((error: unknown) => logger.error({ err: error }, 'delivery worker did not start'));
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          const { address, port } = server.address() as AddressInfo;
          const host = address.includes(':') ? `[${address}]` : address;
          resolve(`http://${host}:${port}`);
        });
      });
    },
    stop: () => {
      stopping ??= (async () => {
        await subscriptions.close();
        // Publishes held back by the backlog go ahead now rather than hold the shutdown up.
        publishAdmission.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 5_000).unref();
        });
        // The assignment stops taking work from its group while the worker finishes what it holds.
        await Promise.all([autoTester.stop(), worker.stop(), forwardingReactor.stop(), deliveryAssignment.stop()]);
        await Promise.all([liveHub.stop(), ...runners.map((runner) => runner.stop())]);
        stopWatchingOtherWriters();
        await webhookSender.close();
        await readModels.close();
        await store.close();
      })();
      return stopping;
    },
  };
}
