import type { LogFields, Logger } from '../watchdog/log.js';

// An outage (Redis down, podman failing, Caddy unreachable) told once, not once per refused
// request: under load, a Redis outage logged every refused request wrote 15,689 lines in 3.7 s
// (about 300 MB for ten minutes). Here it is one line when it starts, a count now and then
// while it lasts, and one line when it ends.

export interface OutageTexts {
  /** Logged once, at level error, when the outage starts (with its reason). */
  down: string;
  /** Logged at level warn every summary interval while it lasts, with the counts. */
  still: string;
  /** Logged once, at level info, when it ends (with its duration and total count). */
  up: string;
  /** The name of the count in the log fields: what failed because of it ('refused', 'failed'). */
  counted: string;
}

export interface OutageOptions {
  log: Logger;
  texts: OutageTexts;
  /** Fields on every line of this outage (e.g. `{ outage: 'redis' }`). */
  fields?: LogFields;
  now?: () => number;
  /** At most one "still" line per this interval. */
  summaryMs?: number;
}

/** One summary line a minute: a ten-minute outage writes 12 lines whatever the load. */
export const OUTAGE_SUMMARY_MS = 60_000;

export class Outage {
  private since: number | undefined;
  private lastSummaryAt = 0;
  private total = 0;
  private sinceSummary = 0;
  private reason = '';
  private readonly now: () => number;

  constructor(private readonly o: OutageOptions) {
    this.now = o.now ?? Date.now;
  }

  get isDown(): boolean {
    return this.since !== undefined;
  }

  /**
   * Something failed because of the outage (or, with `counts` false, a sign of it that refused
   * nothing, like a failed reconnect). The first call logs the outage; later ones are counted.
   */
  fail(reason: string, counts = true): void {
    const now = this.now();
    this.reason = reason;
    if (counts) {
      this.total += 1;
      this.sinceSummary += 1;
    }
    if (this.since === undefined) {
      this.since = now;
      this.lastSummaryAt = now;
      this.o.log('error', this.o.texts.down, { ...this.o.fields, reason });
      return;
    }
    if (now - this.lastSummaryAt < (this.o.summaryMs ?? OUTAGE_SUMMARY_MS)) return;
    const c = this.o.texts.counted;
    this.o.log('warn', this.o.texts.still, {
      ...this.o.fields, reason: this.reason, downForS: this.seconds(now), [c]: this.sinceSummary, [`${c}Total`]: this.total,
    });
    this.lastSummaryAt = now;
    this.sinceSummary = 0;
  }

  /** It works again: logs the recovery once (nothing if there was no outage). */
  ok(): void {
    if (this.since === undefined) return;
    const now = this.now();
    this.o.log('info', this.o.texts.up, { ...this.o.fields, downForS: this.seconds(now), [`${this.o.texts.counted}Total`]: this.total });
    this.since = undefined;
    this.total = 0;
    this.sinceSummary = 0;
  }

  /** The reason of the outage in progress, if any. */
  get current(): string | undefined {
    return this.since === undefined ? undefined : this.reason;
  }

  private seconds(now: number): number {
    return Math.round((now - (this.since ?? now)) / 100) / 10;
  }
}
