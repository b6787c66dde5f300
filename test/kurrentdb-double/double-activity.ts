/** What the double has been asked to do, so tests can see resubscriptions and backpressure from the server's side. */
export interface DoubleActivity {
  appends: number;
  reads: number;
  subscriptions: number;
  /** Events written to subscription calls (accepted by gRPC, not necessarily received by the client yet). */
  subscriptionEventsSent: number;
  /** Read calls that joined a persistent subscription group. */
  persistentSubscriptions: number;
  /** Events handed to persistent subscription consumers, retries included. */
  persistentEventsSent: number;
  /** Event ids acknowledged / negatively acknowledged by persistent subscription consumers. */
  acks: number;
  nacks: number;
}

export function noActivity(): DoubleActivity {
  return {
    appends: 0,
    reads: 0,
    subscriptions: 0,
    subscriptionEventsSent: 0,
    persistentSubscriptions: 0,
    persistentEventsSent: 0,
    acks: 0,
    nacks: 0,
  };
}
