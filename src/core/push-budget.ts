// Pure: how many summaries a tenant may push, as a token bucket per tenant. Summaries are
// aggregates (a push a minute is plenty); without a budget one tenant with its token pushed 402
// 64 KiB summaries a second (measured: 26 MB/s into the state database, `list` 2x slower, and
// the watchdog's one thread, which checks every tenant's sessions, busy with it).

/** A burst this large is accepted at once (a tenant catching up after its own outage). */
export const PUSH_BURST = 60;
/** Then one push per this many ms: 64 KiB/s at most, per tenant. */
export const PUSH_REFILL_MS = 1_000;

interface Bucket {
  tokens: number;
  at: number;
}

export class PushBudget {
  // One entry per tenant name that pushed with a valid token: bounded by the tenants there have been.
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly burst = PUSH_BURST, private readonly refillMs = PUSH_REFILL_MS) {}

  /** Takes one push from the tenant's budget: 0 when it may push now, else the ms until it may. */
  take(tenant: string, now: number): number {
    const b = this.buckets.get(tenant) ?? { tokens: this.burst, at: now };
    const tokens = Math.min(this.burst, b.tokens + Math.max(0, now - b.at) / this.refillMs);
    if (tokens < 1) {
      this.buckets.set(tenant, { tokens, at: now });
      return Math.ceil((1 - tokens) * this.refillMs);
    }
    this.buckets.set(tenant, { tokens: tokens - 1, at: now });
    return 0;
  }
}
