import type { DueDelivery } from '../../../projections/deliveries/due-deliveries.js';

/**
 * Which due deliveries this gateway instance may attempt: the seam where
 * several instances split the work.
 *
 * Embedded (SQLite) there is one instance and it owns every delivery
 * (`allDeliveries`). With KurrentDB, an implementation backed by a persistent
 * subscription (a consumer group over the delivery work) answers "mine" for
 * what the group handed to this instance, and calls the change listeners when
 * that set changes (work handed over, a consumer joined or left), so that the
 * worker looks at its queue again. The worker itself stays the same: it reads
 * due deliveries from its local read model, asks `mayAttempt`, and appends
 * each outcome with the expected stream revision, so that even when two
 * instances briefly both think a delivery is theirs (a hand-over), only one
 * outcome is recorded per attempt.
 */
export interface DeliveryAssignment {
  /**
   * Whether other gateway instances work on the same deliveries: this
   * instance's read model then shows their due deliveries as well as its own.
   */
  readonly sharedWithOthers: boolean;
  mayAttempt(delivery: DueDelivery): boolean;
  /** Returns the function that removes the listener. */
  onChange(listener: () => void): () => void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The embedded deployment: one instance, all the work. */
export const allDeliveries: DeliveryAssignment = {
  sharedWithOthers: false,
  mayAttempt: () => true,
  onChange: () => () => {},
  start: async () => {},
  stop: async () => {},
};
