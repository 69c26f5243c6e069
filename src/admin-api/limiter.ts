// Wrong or missing admin tokens, limited like logins (auth/sessions.ts' LOGIN_ATTEMPT, the same
// rules in memory): each attempt is counted before the token is compared, so a burst cannot
// outrun the count; a client (auth/rate-key.ts) gets `limit` a minute, all clients together 4x
// that; a client over its own limit is not counted against the total, and a request with the
// right token gives its attempt back. In memory, not in Redis: only this process serves the
// admin listener, so a shared counter would buy nothing, and an admin API that needed Redis would
// be gone exactly when the operator needs it to look at an outage.

const WINDOW_MS = 60_000;
/** Bounds the memory a spread of client addresses can take; beyond it, the total alone limits. */
const MAX_CLIENTS = 10_000;

interface Counter {
  count: number;
  /** The window starts at its first attempt and is not extended by later ones. */
  until: number;
}

export class AttemptLimiter {
  private readonly clients = new Map<string, Counter>();
  private total: Counter = { count: 0, until: 0 };
  private nextForget = 0;

  constructor(
    private readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts an attempt: 0 to go ahead, else the seconds until another one may be made. */
  attempt(client: string): number {
    const now = this.now();
    this.forgetExpired(now);
    const mine = this.counter(client, now);
    if (mine) {
      mine.count += 1;
      if (mine.count > this.limit) return seconds(mine.until - now);
    }
    if (this.total.until <= now) this.total = { count: 0, until: now + WINDOW_MS };
    this.total.count += 1;
    if (this.total.count > 4 * this.limit) {
      this.total.count -= 1;
      if (mine) mine.count -= 1;
      return seconds(this.total.until - now);
    }
    return 0;
  }

  /** The right token: its attempt is given back (only wrong ones count). */
  succeeded(client: string): void {
    const now = this.now();
    const mine = this.clients.get(client);
    if (mine && mine.until > now && mine.count > 0) mine.count -= 1;
    if (this.total.until > now && this.total.count > 0) this.total.count -= 1;
  }

  /** How many clients are tracked now (for tests of the memory bound). */
  get tracked(): number {
    return this.clients.size;
  }

  private counter(client: string, now: number): Counter | undefined {
    let c = this.clients.get(client);
    if (c && c.until <= now) c = undefined;
    if (!c) {
      if (this.clients.size >= MAX_CLIENTS) return undefined;
      c = { count: 0, until: now + WINDOW_MS };
      this.clients.set(client, c);
    }
    return c;
  }

  /** Drops lapsed counters when the map is full, at most once a second (a scan is 10,000 entries). */
  private forgetExpired(now: number): void {
    if (this.clients.size < MAX_CLIENTS || now < this.nextForget) return;
    this.nextForget = now + 1_000;
    for (const [k, c] of this.clients) if (c.until <= now) this.clients.delete(k);
  }
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
