// The single-flight waker: however many requests arrive for a sleeping tenant, one wake and one
// `podman start`. About 240 lines because the flight's phases (waiting out a sweep's stop, an
// upgrade's switch or another command's lock, starting, polling, restarting a container that
// stopped meanwhile) and
// the status the waiting page polls share one piece of state per tenant; splitting them would
// pass that state around instead of keeping it in one place.
import type { UpgradeStep } from '../core/tenant-row.js';
import { errorField, type Logger } from '../watchdog/log.js';
import { awaitSwitch } from './switch-wait.js';
import type { WakePort } from './tenant-port.js';

export interface WakeTarget {
  name: string;
  container: string;
  port: number;
  /**
   * A live `upgrade` is switching its container: whatever answers on its port may be the old one
   * draining, so requests are held for the wake (which waits for the switch) rather than relayed.
   */
  switching?: boolean;
}

export type WakePhase = 'stopping' | 'starting' | 'waiting' | 'ready' | 'failed';

export interface WakeOutcome {
  ok: boolean;
  durationMs: number;
  error?: string;
}

export interface WakeStatus {
  name: string;
  /** idle: no wake in flight and none finished recently. */
  phase: WakePhase | 'idle';
  elapsedMs: number;
  /** What a wake usually takes here (from recent ones), for the waiting page's progress bar. */
  expectedMs: number;
  error?: string;
}

/** The SQLite side of a wake (see store/sleep.ts): a lease that keeps sweeps away. */
export interface WakeLeases {
  begin(name: string, now: number): { stopStartedAt: number | null } | undefined;
  end(name: string, startedAt: number, now: number, ok: boolean): void;
  stopInProgress(name: string, staleBefore: number): boolean;
  /** The command of another live process holding the tenant's lock (export, passwd, ...), if any. */
  busyWith(name: string): string | undefined;
  /** The step of an `upgrade` a live process is making on the tenant, if any (switch-wait.ts). */
  switching?(name: string): UpgradeStep | undefined;
}

export interface WakerDeps {
  /** The tenant's backend (podman-port.ts, swarm-port.ts): start, state, and "answers HTTP" (any status). */
  tenants: Pick<WakePort, 'start' | 'state' | 'probe'> & Partial<Pick<WakePort, 'engine'>>;
  leases: WakeLeases;
  readyTimeoutMs: number;
  /** How long a wake waits for an upgrade's switch: its stop grace, then the new and maybe the old container's ready timeouts. */
  switchTimeoutMs?: number;
  leaseMs: number;
  log: Logger;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  pollMs?: number;
  onStart?: () => void;
  onDone?: (name: string, outcome: WakeOutcome) => void;
  /**
   * Told whether each `podman start` worked (an Outage: a podman outage is logged once, not once
   * a wake); a wake that fails on a start it reported is not logged again.
   */
  starts?: { ok(): void; fail(reason: string): void };
}

interface Flight {
  promise: Promise<WakeOutcome>;
  phase: WakePhase;
  startedAt: number;
}

/** A failed wake is not retried for this long: a broken tenant is not hammered by every request. */
const FAILURE_MEMORY_MS = 5_000;
/** How long a finished wake still shows as "ready" to the waiting page's polls. */
const READY_MEMORY_MS = 30_000;
const MAX_STARTS = 3;
const BUSY_POLL_MS = 200;

/**
 * Wakes tenants, one flight per tenant: however many requests arrive at once, they share one
 * wake and so one `podman start`. A wake waits out a sweep that is stopping the tenant and any
 * command holding the tenant's lock, starts
 * the container, and polls until the app answers HTTP; if the container stops meanwhile (a sweep
 * raced it, or it crashed), it starts it again, up to a few times, within the ready timeout.
 */
export class Waker {
  private readonly flights = new Map<string, Flight>();
  private readonly recent = new Map<string, WakeOutcome & { at: number }>();
  private readonly durations: number[] = [];
  /** Start errors already reported to `starts`. */
  private readonly reported = new WeakSet<object>();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly d: WakerDeps) {
    this.now = d.now ?? Date.now;
    this.sleep = d.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  inFlight(name: string): boolean {
    return this.flights.has(name);
  }

  get active(): number {
    return this.flights.size;
  }

  /** Resolves when every wake in flight now has finished. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.flights.values()].map((f) => f.promise));
  }

  wake(t: WakeTarget): Promise<WakeOutcome> {
    const flying = this.flights.get(t.name);
    if (flying) return flying.promise;
    const last = this.recent.get(t.name);
    if (last && !last.ok && this.now() - last.at < FAILURE_MEMORY_MS) return Promise.resolve(last);
    const flight: Flight = { phase: 'starting', startedAt: this.now(), promise: Promise.resolve(undefined as unknown as WakeOutcome) };
    flight.promise = this.run(t, flight).finally(() => this.flights.delete(t.name));
    this.flights.set(t.name, flight);
    return flight.promise;
  }

  status(name: string): WakeStatus {
    const expectedMs = this.expectedMs();
    const f = this.flights.get(name);
    if (f) return { name, phase: f.phase, elapsedMs: this.now() - f.startedAt, expectedMs };
    const last = this.recent.get(name);
    if (last && this.now() - last.at < (last.ok ? READY_MEMORY_MS : FAILURE_MEMORY_MS)) {
      return { name, phase: last.ok ? 'ready' : 'failed', elapsedMs: last.durationMs, expectedMs, ...(last.error ? { error: last.error } : {}) };
    }
    return { name, phase: 'idle', elapsedMs: 0, expectedMs };
  }

  private expectedMs(): number {
    if (this.durations.length === 0) return 2_000;
    const sorted = [...this.durations].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? 2_000;
  }

  private async run(t: WakeTarget, f: Flight): Promise<WakeOutcome> {
    const { d } = this;
    const startedAt = f.startedAt;
    const deadline = startedAt + d.readyTimeoutMs;
    d.log('info', 'wake started', { tenant: t.name });
    let outcome: WakeOutcome;
    try {
      const lease = d.leases.begin(t.name, startedAt);
      if (!lease) throw new Error('no such tenant');
      f.phase = 'stopping';
      // A sweep that claimed the tenant before us is stopping it: start only once that is over,
      // or our start would be a no-op on a container about to exit.
      while (d.leases.stopInProgress(t.name, this.now() - d.leaseMs) && this.now() < deadline) await this.sleep(50);
      f.phase = 'waiting';
      const switchStart = this.now();
      // Held through an upgrade's switch; a tenant it left asleep is then woken as usual, with
      // the time the switch took added to its deadline.
      if (!(await this.throughSwitch(t, startedAt))) await this.startAndWait(t, f, deadline + (this.now() - switchStart));
      outcome = { ok: true, durationMs: this.now() - startedAt };
      f.phase = 'ready';
      this.durations.push(outcome.durationMs);
      if (this.durations.length > 20) this.durations.shift();
      d.log('info', 'wake finished', { tenant: t.name, ms: outcome.durationMs });
    } catch (err) {
      outcome = { ok: false, durationMs: this.now() - startedAt, error: errorField(err) };
      f.phase = 'failed';
      if (!(err instanceof Object && this.reported.has(err))) d.log('error', 'wake failed', { tenant: t.name, ms: outcome.durationMs, error: outcome.error });
    }
    try {
      d.leases.end(t.name, startedAt, this.now(), outcome.ok);
    } catch (err) {
      d.log('error', 'could not release the wake lease', { tenant: t.name, error: errorField(err) });
    }
    this.recent.set(t.name, { ...outcome, at: this.now() });
    d.onDone?.(t.name, outcome);
    return outcome;
  }

  /** Holds through an upgrade's switch (switch-wait.ts): true when the container that stays answers. */
  private throughSwitch(t: WakeTarget, startedAt: number): Promise<boolean> {
    const { d } = this;
    const switching = d.leases.switching?.bind(d.leases);
    if (!switching) return Promise.resolve(false);
    const deadline = startedAt + (d.switchTimeoutMs ?? d.readyTimeoutMs);
    return awaitSwitch({ switching, probe: () => d.tenants.probe(t), now: this.now, sleep: this.sleep, pollMs: d.pollMs ?? 10 }, t.name, t.port, deadline);
  }

  /** The wake proper: waits out other commands, starts the container, and polls until it answers. */
  private async startAndWait(t: WakeTarget, f: Flight, until: number): Promise<void> {
    let deadline = until;
    const { d } = this;
    // A command working on the tenant (export's stopped copy, passwd's new container) must not
    // have it started under its feet: wait for it, and give up rather than start at the deadline.
    for (let busy = d.leases.busyWith(t.name); busy; busy = d.leases.busyWith(t.name)) {
      if (this.now() >= deadline) throw new Error(`busy: ${busy} is working on it`);
      await this.sleep(BUSY_POLL_MS);
    }
    f.phase = 'starting';
    await this.start(t).catch(async (err: unknown) => {
      // A command took the tenant between our check and our start (an upgrade removing and
      // renaming its container): wait for it, then start what it left, once.
      if (d.leases.busyWith(t.name) === undefined) throw err;
      while (d.leases.busyWith(t.name) !== undefined) {
        if (this.now() >= deadline) throw err;
        await this.sleep(BUSY_POLL_MS);
      }
      await this.start(t);
    });
    let starts = 1;
    f.phase = 'waiting';
    let nextCheck = this.now() + 1_000;
    for (;;) {
      if (await d.tenants.probe(t)) break;
      if (this.now() >= deadline) throw new Error(`did not answer HTTP within ${Math.round(d.readyTimeoutMs / 1000)} s`);
      if (this.now() >= nextCheck) {
        nextCheck = this.now() + 1_000;
        // An upgrade took the tenant after our start (it stops this container and starts its
        // new one): held through its switch like any request, never started again under it, or
        // the old container would take the port from the new one.
        if (d.leases.switching?.(t.name) !== undefined) {
          const switchStart = this.now();
          if (await this.throughSwitch(t, switchStart)) break;
          deadline += this.now() - switchStart;
          continue;
        }
        // Any other command working on it (passwd's new container): not started under it either.
        if (d.leases.busyWith(t.name) !== undefined) {
          await this.sleep(d.pollMs ?? 10);
          continue;
        }
        const state = await d.tenants.state(t);
        if (state === undefined) throw new Error(`container ${t.container} is missing (run feather-tenant reconcile)`);
        if (state !== 'running' && state !== 'starting') {
          if (starts >= MAX_STARTS) throw new Error(`container ${t.container} keeps stopping (state ${state})`);
          d.log('warn', 'tenant stopped while waking; starting it again', { tenant: t.name, state });
          await this.start(t);
          starts += 1;
        }
      }
      await this.sleep(d.pollMs ?? 10);
    }
  }

  private async start(t: WakeTarget): Promise<void> {
    this.d.onStart?.();
    try {
      await this.d.tenants.start(t);
    } catch (err) {
      if (this.d.starts && err instanceof Object) {
        this.d.starts.fail(`${this.d.tenants.engine ?? 'podman'} could not start ${t.container}: ${errorField(err)}`);
        this.reported.add(err);
      }
      throw err;
    }
    this.d.starts?.ok();
  }
}
