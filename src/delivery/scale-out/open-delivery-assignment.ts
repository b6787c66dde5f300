import type { Config } from '../../config/config.js';
import { openCompetingConsumers } from '../../eventstore/open-competing-consumers.js';
import type { Logger } from '../../logging/logger.js';
import { allDeliveries, type DeliveryAssignment } from '../worker/delivery-assignment.js';
import { ConsumerGroupAssignment } from './consumer-group-assignment.js';
import { parseTakeoverAfter } from './takeover-after.js';

export interface OpenedDeliveryAssignment {
  assignment: DeliveryAssignment;
  /** Closes the connection the assignment's group uses; after the app (which stops the assignment) has stopped. */
  close(): Promise<void>;
}

/**
 * Which deliveries this instance works on: on KurrentDB, its share of the
 * delivery consumer group; embedded, all of them (a single instance).
 * A bad `HOOKGATE_DELIVERY_TAKEOVER_AFTER` stops the start either way.
 */
export async function openDeliveryAssignment(
  config: Pick<Config, 'kurrentDbConnectionString' | 'instanceId' | 'deliveryTimeoutMs' | 'deliveryTakeoverAfter'>,
  logger: Logger,
): Promise<OpenedDeliveryAssignment> {
  const takeoverAfterMs = parseTakeoverAfter(config.deliveryTakeoverAfter, config.deliveryTimeoutMs);
  const consumers = await openCompetingConsumers(config);
  if (!consumers) return { assignment: allDeliveries, close: async () => {} };
  return {
    assignment: new ConsumerGroupAssignment({ consumers, instanceId: config.instanceId, takeoverAfterMs, logger }),
    close: () => consumers.close(),
  };
}
