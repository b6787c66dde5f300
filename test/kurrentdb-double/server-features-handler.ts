import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import { SupportedMethod, SupportedMethods } from './protocol.js';

/** A version the clients accept as a modern server; they parse it as semver. */
export const DOUBLE_SERVER_VERSION = '24.10.0';

/**
 * Only what the double implements. BatchAppend in particular must stay out:
 * the Node client switches its appends to BatchAppend as soon as it is listed.
 */
const SUPPORTED = [
  { service: 'event_store.client.streams.streams', method: 'read', features: ['position', 'events'] },
  { service: 'event_store.client.streams.streams', method: 'append', features: [] },
  { service: 'event_store.client.server_features.serverfeatures', method: 'getsupportedmethods', features: [] },
  // The client checks for the 'all' feature before creating or reading a group on $all. Groups on a single
  // stream are not modelled: Create and Read refuse them as UNIMPLEMENTED (tested in kurrentdb-double.int.spec.ts);
  // hookgate's adapter only uses a round-robin group on $all.
  { service: 'event_store.client.persistent_subscriptions.persistentsubscriptions', method: 'create', features: ['all'] },
  { service: 'event_store.client.persistent_subscriptions.persistentsubscriptions', method: 'read', features: ['all'] },
];

export function getSupportedMethods(_call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>): void {
  const methods = SUPPORTED.map(({ service, method, features }) =>
    new SupportedMethod().setServiceName(service).setMethodName(method).setFeaturesList(features),
  );
  callback(null, new SupportedMethods().setMethodsList(methods).setEventStoreServerVersion(DOUBLE_SERVER_VERSION));
}
