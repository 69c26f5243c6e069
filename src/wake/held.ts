// The requests the wake server holds for a wake or relays to a tenant, counted against a cap.
// Each costs two descriptors while it lasts (the connection from Caddy, then the one to the
// tenant): 500 held requests took the watchdog to 1,024 open files, the usual soft limit, after
// which every accept and every dial fails with EMFILE. Past the cap a request gets a 503 with
// Retry-After instead, and everything else keeps working.
//
// One tenant may take at most half of the cap: a relayed WebSocket keeps its slot as long as it
// is open, so without a share one tenant's user could hold every slot (a review did, with 20
// WebSockets at a cap of 20) and no other tenant could be woken. Half still lets a herd on one
// waking tenant be held whole at any realistic cap (a page's requests number in the tens).

export type Refusal = 'cap' | 'share';

export class HeldRequests {
  private n = 0;
  private readonly byTenant = new Map<string, number>();
  /** The most one tenant may hold at once. */
  readonly share: number;

  constructor(readonly max: number) {
    this.share = Number.isFinite(max) ? Math.max(1, Math.ceil(max / 2)) : max;
  }

  get count(): number {
    return this.n;
  }

  /**
   * A slot for one of `tenant`'s requests, or why not: the cap is reached, or the tenant holds
   * its share already. The release function may be called any number of times.
   */
  take(tenant: string): (() => void) | Refusal {
    if (this.n >= this.max) return 'cap';
    const mine = this.byTenant.get(tenant) ?? 0;
    if (mine >= this.share) return 'share';
    this.n += 1;
    this.byTenant.set(tenant, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.n -= 1;
      const left = (this.byTenant.get(tenant) ?? 1) - 1;
      if (left > 0) this.byTenant.set(tenant, left);
      else this.byTenant.delete(tenant);
    };
  }
}
