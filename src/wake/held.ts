// The requests the wake server holds for a wake or relays to a tenant, counted against a cap.
// Each costs two descriptors while it lasts (the connection from Caddy, then the one to the
// tenant): 500 held requests took the watchdog to 1,024 open files, the usual soft limit, after
// which every accept and every dial fails with EMFILE. Past the cap a request gets a 503 with
// Retry-After instead, and everything else keeps working.

export class HeldRequests {
  private n = 0;

  constructor(readonly max: number) {}

  get count(): number {
    return this.n;
  }

  /** A slot, or undefined at the cap. The release function may be called any number of times. */
  take(): (() => void) | undefined {
    if (this.n >= this.max) return undefined;
    this.n += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.n -= 1;
    };
  }
}
