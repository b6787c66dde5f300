interface Claim {
  revision: number;
  expiresAt: number;
}

/**
 * The deliveries the consumer group handed to this instance, each with the
 * stream revision it was handed at (-1 at its publish, the revision of a
 * DeliveryRedeliveryRequested). Held in memory only: a claim matters until
 * the delivery's next attempt is recorded (the log then says who owns the
 * retry), and never longer than the takeover time after it was made, after
 * which the delivery is overdue and any instance attempts it anyway. So a
 * claim expires after `ttlMs`, and a claim the delivery has moved past is
 * forgotten when it is looked up; memory holds at most the claims of the
 * last `ttlMs`.
 */
export class DeliveryClaims {
  // Insertion order is expiry order (one ttl, claims made as time goes by), so expiry pops from the front.
  private readonly claims = new Map<string, Claim>();

  constructor(private readonly ttlMs: number) {}

  claim(deliveryId: string, revision: number, nowMs: number): void {
    this.expire(nowMs);
    const held = this.claims.get(deliveryId);
    this.claims.delete(deliveryId);
    this.claims.set(deliveryId, { revision: Math.max(revision, held?.revision ?? -1), expiresAt: nowMs + this.ttlMs });
  }

  /** The revision claimed at, while the claim still covers a delivery now at `version`. */
  claimedAt(deliveryId: string, version: number, nowMs: number): number | undefined {
    const claim = this.claims.get(deliveryId);
    if (claim === undefined) return undefined;
    if (claim.expiresAt <= nowMs || version > claim.revision) {
      this.claims.delete(deliveryId);
      return undefined;
    }
    return claim.revision;
  }

  get size(): number {
    return this.claims.size;
  }

  expire(nowMs: number): void {
    for (const [id, claim] of this.claims) {
      if (claim.expiresAt > nowMs) return;
      this.claims.delete(id);
    }
  }
}
