import {
  END,
  PersistentSubscriptionExistsError,
  ROUND_ROBIN,
  START,
  persistentSubscriptionToAllSettingsFromDefaults,
  type Filter,
  type KurrentDBClient,
} from '@kurrent/kurrentdb-client';

/** The settings hookgate gives a group when it creates one; an existing group keeps those it was created with. */
export interface GroupSettings {
  startFrom: 'start' | 'end';
  messageTimeoutMs: number;
  /** Handed out again this many times (nack retry, time-out), then parked. */
  maxRetryCount: number;
  /** KurrentDB writes the group's checkpoint at most this often when few messages are settled... */
  checkpointAfterMs: number;
  /** ...once at least this many are... */
  minCheckpointCount: number;
  /** ...and at once when this many are. */
  maxCheckpointCount: number;
}

/**
 * Creates a persistent subscription group on `$all` unless one of that name
 * exists, whatever its settings: KurrentDB refuses a second Create of a name,
 * and changing a group's settings would take an Update, which hookgate does
 * not do behind an operator's back.
 */
export async function createGroupIfMissing(
  client: KurrentDBClient,
  group: string,
  filter: Filter,
  settings: GroupSettings,
): Promise<'created' | 'exists'> {
  try {
    await client.createPersistentSubscriptionToAll(
      group,
      persistentSubscriptionToAllSettingsFromDefaults({
        startFrom: settings.startFrom === 'start' ? START : END,
        // hookgate writes no links; resolving them would only cost reads.
        resolveLinkTos: false,
        messageTimeout: settings.messageTimeoutMs,
        maxRetryCount: settings.maxRetryCount,
        checkPointAfter: settings.checkpointAfterMs,
        checkPointLowerBound: settings.minCheckpointCount,
        checkPointUpperBound: settings.maxCheckpointCount,
        consumerStrategyName: ROUND_ROBIN,
      }),
      { filter },
    );
    return 'created';
  } catch (error) {
    if (error instanceof PersistentSubscriptionExistsError) return 'exists';
    throw error;
  }
}
