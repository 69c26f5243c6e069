import type { Context } from '../runtime/context.js';
import { ensureWakeSetup } from '../caddy/wake-setup.js';
import { objectName, prefixFilter } from '../core/tenant.js';
import { listen } from '../net/listen.js';
import { probeHttp } from '../net/wait-http.js';
import { ASSUMED_SOFT_LIMIT, LOW_FD_LIMIT, defaultMaxHeld, openFds, readOpenFilesLimit } from './fds.js';
import { errorField, jsonLogger, type Logger } from './log.js';
import { watchdogOutages } from './outages.js';
import { Metrics } from './metrics.js';
import { createWakeServer } from '../wake/server.js';
import { Waker } from '../wake/waker.js';
import { podmanWakePort } from '../wake/podman-port.js';
import { swarmWakePort } from '../wake/swarm-port.js';
import { requireSwarmWake } from '../core/swarm-wake.js';
import { startGate } from './gate-runtime.js';
import { startAdmin } from './admin-runtime.js';
import { createIngest } from '../auth/summary-ingest.js';
import { dayOf } from '../core/usage.js';
import { leaseMs, sweep } from '../commands/sweep.js';
import { busyTenants } from '../tenant/lock.js';
import { STOP_GRACE_S } from '../tenant/switch.js';

export interface WatchdogOptions {
  /** Aborting it shuts the watchdog down cleanly (the CLI aborts on SIGTERM/SIGINT). */
  signal: AbortSignal;
  log?: Logger;
}

/**
 * The long-running daemon: the wake server, a sweep every interval, /healthz and /metrics.
 * A failing podman or Caddy is logged and tried again on the next tick; only a wake server
 * that cannot listen is fatal. On shutdown it stops listening, lets wakes in flight and the
 * requests held on them finish, then exits.
 */
export async function watchdog(ctx: Context, opts: WatchdogOptions): Promise<void> {
  const c = ctx.config;
  // Validate first: on swarm, Caddy's container must reach us and we it (docs/many-servers.md).
  if (ctx.swarm) requireSwarmWake(c, 'the watchdog', { direct: true });
  const log = opts.log ?? jsonLogger();
  const store = ctx.store();
  const leases = ctx.sleep();
  const metrics = new Metrics();
  const outages = watchdogOutages(log, () => ctx.now(), ctx.swarm ? 'docker' : 'podman');
  const limit = readOpenFilesLimit();
  const maxHeld = c.maxHeld ?? defaultMaxHeld(limit?.soft ?? ASSUMED_SOFT_LIMIT);
  metrics.fds = () => ({ open: openFds(), limit: limit?.soft });
  // An upgrade's step while a live upgrade holds the tenant (one that died is reconcile's to finish).
  const switchingStep = (name: string) => {
    const step = store.get(name)?.upgrade?.step;
    return step !== undefined && busyTenants(ctx).has(name) ? step : undefined;
  };
  // Sweeps log through our JSON logger, not as bare lines.
  const sweepCtx: Context = { ...ctx, log: (line) => log('warn', line) };
  const tenants = ctx.swarm && c.swarmDirect !== undefined
    ? swarmWakePort(ctx.swarm, { direct: c.swarmDirect, containerPort: c.containerPort })
    : podmanWakePort(ctx.podman);
  const waker = new Waker({
    tenants,
    leases: {
      begin: (n, now) => leases.beginWake(n, now),
      end: (n, startedAt, now, ok) => leases.endWake(n, startedAt, now, ok),
      stopInProgress: (n, staleBefore) => leases.stopInProgress(n, staleBefore),
      busyWith: (n) => busyTenants(ctx).get(n),
      switching: (n) => switchingStep(n),
    },
    readyTimeoutMs: c.readyTimeoutMs,
    // The old container's grace, the new one's ready timeout and settle, and the old one's ready timeout again after a rollback.
    switchTimeoutMs: STOP_GRACE_S * 1000 + 2 * c.readyTimeoutMs + c.upgradeSettleMs + 5_000,
    leaseMs: leaseMs(ctx),
    log,
    now: () => ctx.now(),
    onStart: () => (metrics.containerStarts += 1),
    onDone: (_n, o) => metrics.observeWake(o.ok, o.durationMs / 1000),
    starts: outages.starts,
  });

  let draining = false;
  const probe = (port: number) => probeHttp(port, 1_000);
  const auth = c.auth === 'jwt' ? startGate(ctx, log, outages.redis) : undefined;
  const summaries = ctx.summaries();
  const ingest = createIngest({
    domain: c.domain,
    ingestHash: (name) => {
      const row = store.get(name);
      return row?.status === 'active' ? row.ingestHash : undefined;
    },
    store: (name, at, body, keep, wireBytes) => summaries.add(name, at, body, keep, wireBytes),
    now: () => ctx.now(),
  });
  const { server, active, destroyAll } = createWakeServer({
    gate: auth?.gate,
    ingest,
    domain: c.domain,
    lookup: (name) => {
      const row = store.get(name);
      // Never wake a tenant an operator stopped on purpose (`feather-tenant stop`).
      if (row?.status !== 'active' || row.desired !== 'running') return undefined;
      return { name, container: objectName(c, name), port: row.port, switching: row.upgrade !== null && busyTenants(ctx).has(name) };
    },
    // A stopped tenant still gets its certificate: its visitors then see Caddy's answer, not a TLS error.
    known: (name) => store.get(name)?.status === 'active',
    adminHost: c.adminHost,
    waker, metrics, log, tenants,
    maxHeld, overCap: outages.held,
    health: () => {
      const lastSweepError = outages.sweeps.current;
      const caddyError = outages.caddy.current;
      return {
        ok: !draining, draining, wakesInFlight: waker.active,
        lastSweep: metrics.lastSweepAt ? new Date(metrics.lastSweepAt).toISOString() : null,
        ...(lastSweepError ? { lastSweepError } : {}), ...(caddyError ? { caddyError } : {}),
      };
    },
  });
  await auth?.connected;
  await listen(server, c.wakeListen, 'the wake server', 'is another watchdog running? set FEATHER_TENANT_WAKE_LISTEN');
  const admin = c.adminListen === undefined ? undefined
    : await startAdmin(sweepCtx, c.adminListen, { log, metrics, warm: { wake: (t) => waker.wake(t), inFlight: (n) => waker.inFlight(n), probe } })
      .catch(async (err: unknown) => {
        // Fatal, like the wake server's address: nothing may stay open, or the process would not exit.
        server.close();
        await auth?.close();
        throw err;
      });
  // A failed accept is an 'error' event on the server, which would end the watchdog without a
  // listener. (Not EMFILE: libuv accepts and closes the excess connections itself, measured: 200
  // at once on a server at 64 descriptors, 44 answered and 156 reset, no event. The cap on held
  // requests is what keeps the watchdog from running out.)
  server.on('error', (err: NodeJS.ErrnoException) => outages.accept.fail(`${err.code ?? ''} ${err.message}`.trim()));
  server.on('connection', () => outages.accept.ok());
  log('info', 'watchdog started', {
    listen: c.wakeListen, adminListen: c.adminListen ?? 'off', idleMinutes: c.idleMs / 60_000, sweepSeconds: c.sweepIntervalMs / 1000,
    maxHeld, openFilesLimit: limit?.soft ?? null,
  });
  // Node has raised its soft limit to the hard one already: only a higher hard limit gives more.
  if (limit && limit.soft < LOW_FD_LIMIT && c.maxHeld === undefined) {
    log('warn', 'a low open-files limit caps the requests the wake server can hold: raise the hard limit (podman --ulimit nofile=16384:16384, LimitNOFILE= under systemd)', { openFilesLimit: limit.soft, maxHeld });
  }

  const checkCaddy = async () => {
    try {
      const { name } = await ctx.caddy.resolveServer(c.caddyServer);
      const changes = await ensureWakeSetup(ctx.caddy, name, c);
      for (const ch of changes) log('warn', 'repaired Caddy config', { change: ch });
      outages.caddy.ok();
    } catch (err) {
      outages.caddy.fail(errorField(err));
    }
  };
  // A reboot or a firewall reload loses the rules that keep tenants apart: put them back each tick.
  const checkIsolation = async () => {
    // Swarm keeps tenants apart with one overlay network each: no rules of ours to restore.
    if (ctx.swarm) return;
    try {
      const restored = await ctx.podman.isolateLabelled(prefixFilter(c));
      if (restored > 0) log('warn', 'restored tenant isolation rules', { rules: restored });
      outages.isolation.ok();
    } catch (err) {
      outages.isolation.fail(errorField(err));
    }
  };
  const runSweep = async () => {
    const t0 = ctx.now();
    try {
      const r = await sweep(sweepCtx, { dryRun: false });
      metrics.inc(metrics.sweeps, 'ok');
      metrics.sweptTenants += r.stopped.length;
      metrics.lastSweepAt = ctx.now();
      metrics.lastSweepSeconds = (ctx.now() - t0) / 1000;
      metrics.tenants = r.states;
      // Only tenants that exist: removed ones' rows stay in usage, not in the series.
      const today = dayOf(ctx.now());
      metrics.usageToday = ctx.usage().days(today).filter((u) => u.day === today && store.get(u.name) !== undefined);
      outages.sweeps.ok();
      const fields = { stopped: r.stopped.map((s) => s.name), running: r.kept.length, ms: ctx.now() - t0 };
      log(r.stopped.length ? 'info' : 'debug', 'sweep', fields);
    } catch (err) {
      metrics.inc(metrics.sweeps, 'error');
      outages.sweeps.fail(errorField(err));
    }
  };

  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> = Promise.resolve();
  const tick = () => {
    ticking = (async () => {
      await checkCaddy();
      await checkIsolation();
      await runSweep();
    })().finally(() => {
      if (!draining) timer = setTimeout(tick, c.sweepIntervalMs);
    });
  };
  tick();

  await new Promise<void>((resolve) => {
    if (opts.signal.aborted) resolve();
    else opts.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  draining = true;
  clearTimeout(timer);
  log('info', 'shutting down: finishing wakes in flight', { wakesInFlight: waker.active, requests: active() });
  const closed = new Promise<void>((r) => server.close(() => r()));
  server.closeIdleConnections();
  await waker.settled();
  // Held requests answer right after their wake; give them (and proxied responses) a moment.
  const until = ctx.now() + 5_000;
  while (active() > 0 && ctx.now() < until) await new Promise((r) => setTimeout(r, 25));
  destroyAll();
  await Promise.all([closed, ticking, admin?.close()]);
  await auth?.close();
  log('info', 'watchdog stopped');
}
