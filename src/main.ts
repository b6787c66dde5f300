import { loadConfig } from './config/config.js';
import { openDeliveryAssignment } from './delivery/scale-out/open-delivery-assignment.js';
import { openEventStore } from './eventstore/open-event-store.js';
import { createLogger } from './logging/logger.js';
import { buildApp } from './server/app.js';

const config = loadConfig();
const logger = createLogger(config.logLevel);
const store = await openEventStore(config, logger);
const delivery = await openDeliveryAssignment(config, logger);
const app = buildApp({ config, store, logger, deliveryAssignment: delivery.assignment });

const url = await app.start();
logger.info({ url, store: store.kind }, `hookgate listening on ${url}`);

let shuttingDown = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    app
      .stop()
      .then(() => delivery.close())
      .then(
        () => {
          logger.info('stopped');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  });
}
