import { Metadata, status, type StatusObject } from '@grpc/grpc-js';

/**
 * KurrentDB's persistent-subscription failures: a gRPC status plus trailers
 * naming the exception, the stream and the group, from which the client
 * builds its PersistentSubscription*Error classes.
 */
function persistentSubscriptionError(code: status, details: string, exception: string, group: string): Partial<StatusObject> {
  const metadata = new Metadata();
  metadata.set('exception', exception);
  metadata.set('stream-name', '$all');
  metadata.set('group-name', group);
  return { code, details, metadata };
}

export function groupExists(group: string): Partial<StatusObject> {
  return persistentSubscriptionError(
    status.ALREADY_EXISTS,
    `Subscription group ${group} on stream $all exists.`,
    'persistent-subscription-exists',
    group,
  );
}

export function groupDoesNotExist(group: string): Partial<StatusObject> {
  return persistentSubscriptionError(
    status.NOT_FOUND,
    `Subscription group ${group} on stream $all does not exist.`,
    'persistent-subscription-does-not-exist',
    group,
  );
}

export function maximumSubscribersReached(group: string): Partial<StatusObject> {
  return persistentSubscriptionError(
    status.FAILED_PRECONDITION,
    `Maximum subscriptions reached for subscription group ${group} on stream $all.`,
    'maximum-subscribers-reached',
    group,
  );
}
