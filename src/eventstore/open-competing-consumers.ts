import type { Config } from '../config/config.js';
import type { CompetingConsumers } from './competing-consumers.js';

/**
 * How gateway instances share work: on KurrentDB (when a connection string is
 * configured) through its persistent subscriptions. Undefined for the
 * embedded store, which serves a single instance: there is nobody to share
 * with, and the app works in process. The KurrentDB client (and its native
 * reader) is loaded only when it is used, as in openEventStore.
 */
export async function openCompetingConsumers(
  config: Pick<Config, 'kurrentDbConnectionString'>,
): Promise<CompetingConsumers | undefined> {
  if (!config.kurrentDbConnectionString) return undefined;
  const { createKurrentDbCompetingConsumers } = await import('./kurrentdb/kurrentdb-competing-consumers.js');
  return createKurrentDbCompetingConsumers(config.kurrentDbConnectionString);
}
