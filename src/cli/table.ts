// Every command of the CLI, as data: name, arguments, options, help, and what runs it. One file on
// purpose (over 200 lines): the whole surface of the tool is read and reviewed in one place, and
// `--help` is generated from it by program.ts. Each `run` loads its command module lazily, so
// `--help` and `--version` load none of them.
import { OperationError } from '../core/errors.js';
import { context, runAndRender } from './run.js';
import { EVERY_BACKEND, PODMAN_ONLY, SWARM_ONLY, type BackendName } from './backends.js';
import { MOVE_ON_PODMAN } from '../core/backends.js';

export interface OptionSpec {
  flags: string;
  description: string;
  default?: string;
}

export type Opts = Record<string, unknown>;

export interface CommandSpec {
  name: string;
  alias?: string;
  description: string;
  args?: readonly (readonly [string, string])[];
  options?: readonly OptionSpec[];
  /** Shown after the options in `<cmd> --help`. */
  help?: string;
  /**
   * The backends (FEATHER_TENANT_BACKEND) it works on: on any other it is refused (exit 2) before
   * it runs (program.ts), and `--help` says so. Required with `run`: every command decides.
   */
  backends?: readonly BackendName[];
  /** The refusal's hint on another backend (default: the limits in docs/many-servers.md). */
  backendHint?: string;
  /** The command's arguments in order, then its options. */
  run?: (args: string[], o: Opts) => Promise<void>;
  sub?: readonly CommandSpec[];
}

function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

/** An option's value when given, as the string commander parsed. */
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const flag = (v: unknown): boolean => v === true;

const NAME = ['<name>', 'tenant name'] as const;
const JSON_OUT = (what: string): OptionSpec => ({ flags: '--json', description: what });

const lifecycle = ([
  ['start', "start a tenant's container (creating it if it is missing); already running is fine"],
  ['stop', "stop a tenant's container (its route, volume and state stay); already stopped is fine"],
  ['restart', "stop and start a tenant's container, waiting until it answers"],
] as const).map(([verb, what]): CommandSpec => ({
  name: verb,
  description: what,
  args: [NAME],
  options: [JSON_OUT('print the outcome as JSON')],
  help: examples([`feather-tenant ${verb} alice`]),
  backends: EVERY_BACKEND,
  run: ([name = ''], o) => runAndRender(() => import('../commands/lifecycle.js'), (m, ctx) => m.lifecycle(ctx, verb, name), (r) => r.printLifecycle, o),
}));

const pin = ([['pin', true], ['unpin', false]] as const).map(([cmd, pinned]): CommandSpec => ({
  name: cmd,
  description: pinned ? 'exempt a tenant from sleeping: sweeps leave it running' : 'let a pinned tenant sleep again when idle',
  args: [NAME],
  options: [JSON_OUT('print the result as JSON')],
  help: examples([`feather-tenant ${cmd} alice`]),
  backends: EVERY_BACKEND,
  run: ([name = ''], o) => runAndRender(() => import('../commands/pin.js'), (m, ctx) => m.setPinned(ctx, { name, pinned }), (r) => r.printPin, o),
}));

const sessions: CommandSpec = {
  name: 'sessions',
  description: "the login gate's sessions (FEATHER_TENANT_AUTH=jwt): list, revoke, and revocations waiting for Redis",
  sub: [
    {
      name: 'list',
      description: "list a tenant's active sessions",
      args: [NAME],
      options: [JSON_OUT('print as JSON')],
      help: examples(['feather-tenant sessions list alice']),
      backends: EVERY_BACKEND,
      run: ([name = ''], o) => runAndRender(() => import('../commands/sessions.js'), (m, ctx) => m.listSessions(ctx, name), (r) => r.printSessions, o),
    },
    {
      name: 'revoke',
      description: "end all of a tenant's sessions, or one (--session); takes effect within a second",
      args: [NAME],
      options: [
        { flags: '--session <id>', description: 'end only this session (ids as in `sessions list`)' },
        JSON_OUT('print the result as JSON'),
      ],
      help: examples(['feather-tenant sessions revoke alice', 'feather-tenant sessions revoke alice --session 3hT0...']),
      backends: EVERY_BACKEND,
      run: ([name = ''], o) => runAndRender(() => import('../commands/sessions.js'), (m, ctx) => m.revokeSessions(ctx, name, str(o.session)), (r) => r.printRevoke, o),
    },
    {
      name: 'pending',
      description: 'revocations recorded but not yet confirmed by Redis (delivered by the watchdog or the next command)',
      options: [JSON_OUT('print as JSON')],
      backends: EVERY_BACKEND,
      run: (_a, o) => runAndRender(() => import('../commands/sessions.js'), (m, ctx) => m.pendingRevocations(ctx), (r) => r.printPending, o),
    },
  ],
};

const admin: CommandSpec = {
  name: 'admin',
  description: "the operator's own Feather on FEATHER_TENANT_ADMIN_HOST (not a tenant): status, and blue-green swap to a new image",
  sub: [
    {
      name: 'status',
      description: 'the live colour, its image, the port the admin route dials, and both colours\' containers',
      options: [JSON_OUT('print as JSON')],
      help: examples(['feather-tenant admin status', 'feather-tenant admin status --json']),
      backends: PODMAN_ONLY,
      run: (_a, o) => runAndRender(() => import('../commands/admin.js'), (m, ctx) => m.adminStatus(ctx), (r) => r.printAdminStatus, o),
    },
    {
      name: 'swap',
      description: 'start the standby colour from the image on the other port, wait until it answers, switch the admin route to it in one Caddy change, stop the old colour after the drain',
      options: [
        { flags: '--image <image>', description: 'work image for the standby (default: FEATHER_TENANT_IMAGE); it must already be in podman\'s storage' },
        { flags: '--drain <seconds>', description: 'how long the old colour finishes what it serves before it stops', default: '30' },
        JSON_OUT('print the result as JSON'),
      ],
      help: `${examples(['feather-tenant admin swap', 'feather-tenant admin swap --image localhost/feather-work:v2 --drain 5'])}
A standby that does not answer HTTP within FEATHER_TENANT_READY_TIMEOUT (or exits) is removed,
nothing is switched, and the command exits 1 with its last log lines.
`,
      backends: PODMAN_ONLY,
      run: (_a, o) => runAndRender(() => import('../commands/admin.js'), (m, ctx) => m.adminSwap(ctx, { image: str(o.image), drainSeconds: str(o.drain) }), (r) => r.printAdminSwap, o),
    },
  ],
};

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'add',
    description: 'create a tenant: volume (kept if it exists), container, Caddy route; prints its URL and password',
    args: [['<name>', 'tenant name: a DNS label (a-z, 0-9, -), 1-32 characters, starting with a letter']],
    options: [
      { flags: '--image <image>', description: 'work image, a plain reference [REGISTRY/]PATH[:TAG][@sha256:DIGEST] (default: FEATHER_TENANT_IMAGE)' },
      { flags: '--node <host>', description: 'FEATHER_TENANT_BACKEND=swarm: the node (its feather.host label) to run on (default: the node holding the volume remove kept, else the one with the fewest tenants)' },
      { flags: '--new-volume', description: 'FEATHER_TENANT_BACKEND=swarm: start empty on another node than the one holding the volume remove kept (that volume stays there)' },
      JSON_OUT('print the tenant as JSON'),
    ],
    help: examples(['feather-tenant add alice', 'feather-tenant add bob --image localhost/feather-work:v2 --json', 'FEATHER_TENANT_BACKEND=swarm feather-tenant add carol --node 2']),
    backends: EVERY_BACKEND,
    run: ([name = ''], o) => runAndRender(() => import('../commands/add.js'), (m, ctx) => m.add(ctx, { name, image: str(o.image), node: str(o.node), newVolume: flag(o.newVolume) }), (r) => r.printAdd, o),
  },
  {
    name: 'remove',
    alias: 'rm',
    description: "remove a tenant's container, route and state; the data volume is kept unless --purge",
    args: [NAME],
    options: [
      { flags: '--purge', description: "also delete the tenant's data volume (needs --yes, or typing the name on a terminal)" },
      { flags: '-y, --yes', description: 'confirm --purge without asking' },
      JSON_OUT('print what was removed as JSON'),
    ],
    help: examples(['feather-tenant remove alice', 'feather-tenant remove alice --purge --yes']),
    backends: EVERY_BACKEND,
    run: ([name = ''], o) => runAndRender(
      () => Promise.all([import('../commands/remove.js'), import('./prompt.js')]),
      ([m, prompt], ctx) => m.remove(ctx, { name, purge: flag(o.purge), yes: flag(o.yes), confirm: prompt.terminalConfirm() }),
      (r) => r.printRemove, o,
    ),
  },
  {
    name: 'list',
    alias: 'ls',
    description: 'list tenants with their port, URL, container and state',
    options: [JSON_OUT('print as JSON')],
    help: examples(['feather-tenant list', 'feather-tenant list --json']),
    backends: EVERY_BACKEND,
    run: async (_a, o) => {
      // Like reconcile: the podman ps the launcher started runs while the rest loads.
      const early = (await import('../runtime/early-read.js')).takeEarlyRead(process.env);
      await runAndRender(() => import('../commands/list.js'), (m, ctx) => m.list(ctx, early), (r) => r.printList, o);
    },
  },
  {
    name: 'show',
    description: 'one tenant: port, URL, state, image, limits, volume and its size, created and started times, and what last counted as activity',
    args: [NAME],
    options: [JSON_OUT('print as JSON')],
    help: examples(['feather-tenant show alice', 'feather-tenant show alice --json']),
    backends: EVERY_BACKEND,
    run: ([name = ''], o) => runAndRender(() => import('../commands/show.js'), (m, ctx) => m.show(ctx, name), (r) => r.printShow, o),
  },
  ...lifecycle,
  {
    name: 'move',
    description: 'move a tenant and its data to another swarm node (stops it meanwhile)',
    args: [NAME],
    options: [
      { flags: '--node <host>', description: 'the node to move to (its feather.host label)' },
      JSON_OUT('print the outcome as JSON'),
    ],
    help: examples(['FEATHER_TENANT_BACKEND=swarm feather-tenant move alice --node 2']),
    backends: SWARM_ONLY,
    backendHint: MOVE_ON_PODMAN,
    run: ([name = ''], o) => runAndRender(() => import('../commands/move.js'), (m, ctx) => m.move(ctx, name, str(o.node)), (r) => r.printLifecycle, o),
  },
  {
    name: 'logs',
    description: "a tenant's logs (its container's; on swarm, its service's: docker service logs); -f streams them until interrupted",
    args: [NAME],
    options: [
      { flags: '-f, --follow', description: 'keep streaming new lines' },
      { flags: '-n, --tail <lines>', description: 'only the last N lines' },
      { flags: '--since <time>', description: 'only lines since a duration ago (10m, 2h) or a time (2024-05-01T12:00:00Z)' },
    ],
    help: examples(['feather-tenant logs alice -n 50', 'feather-tenant logs alice -f --since 10m']),
    backends: EVERY_BACKEND,
    run: async ([name = ''], o) => {
      const [{ logs }, ctx] = await Promise.all([import('../commands/logs.js'), context()]);
      await logs(ctx, { name, follow: flag(o.follow), lines: str(o.tail), since: str(o.since) });
    },
  },
  {
    name: 'passwd',
    description: 'give a tenant a new password (printed once); its container is recreated (podman) or its service updated (swarm) with it and the old one stops working',
    args: [NAME],
    options: [JSON_OUT('print the tenant and new password as JSON')],
    help: examples(['feather-tenant passwd alice', 'feather-tenant passwd alice --json']),
    backends: EVERY_BACKEND,
    run: ([name = ''], o) => runAndRender(() => import('../commands/passwd.js'), (m, ctx) => m.passwd(ctx, name), (r) => r.printPasswd, o),
  },
  {
    name: 'upgrade',
    description: "move tenants to a new work image (or their image's newly loaded ID) with no failed request: held while the container is switched, rolled back if the new one does not answer",
    args: [['[name...]', 'tenant names (or --all)']],
    options: [
      { flags: '--all', description: 'every tenant, one at a time (see --parallel); the first is a canary: on the first failure the rest are left untouched' },
      { flags: '--image <image>', description: "the image to move to (default: each tenant's configured image, as podman's storage names it now; on swarm its reference)" },
      { flags: '--dry-run', description: 'print the plan, change nothing' },
      { flags: '--parallel <n>', description: 'after the canary, upgrade up to N tenants at once', default: '1' },
      JSON_OUT('print the outcome per tenant as JSON'),
    ],
    help: `${examples(['podman load -i feather-work.tar && feather-tenant upgrade --all --dry-run', 'feather-tenant upgrade --all', 'feather-tenant upgrade alice --image localhost/feather-work:v2'])}
A running tenant's requests are held while its container is replaced and answered by the new one
(Caddy is not touched: open WebSockets of other tenants stay). If the new one does not answer within
FEATHER_TENANT_READY_TIMEOUT, exits, or exits within FEATHER_TENANT_UPGRADE_SETTLE of its first
answer, the old one is started again and upgrade exits 1 with the new one's last log lines. Asleep and stopped tenants are recreated and stay as they were.
On swarm: the service's image is switched (docker service update --image, stop-first), with the
same holding and rollback; out of date means the service's image reference differs from the
configured (or --image) one: image IDs are each node's own, so tag a new image anew and load it
on every node (docs/upgrade.md#swarm).
`,
    backends: EVERY_BACKEND,
    run: async (args, o) => {
      // A variadic argument arrives as one array.
      const names = (args[0] as unknown as string[] | undefined) ?? [];
      // Like list: the podman ps the launcher started runs while the rest loads.
      const early = (await import('../runtime/early-read.js')).takeEarlyRead(process.env);
      let errors: string[] = [];
      await runAndRender(
        () => import('../commands/upgrade.js'),
        (m, ctx) => m.upgrade(ctx, { names, all: flag(o.all), image: str(o.image), dryRun: flag(o.dryRun), parallel: str(o.parallel), early }),
        (r) => (result, asJson) => {
          r.printUpgrade(result, asJson);
          errors = result.tenants.flatMap((t) => (t.error ? [t.error] : []));
        },
        o,
      );
      if (errors.length > 0) throw new OperationError(errors.join('\n'), 'nothing else was changed; fix the cause and run upgrade again');
    },
  },
  {
    name: 'rotate-ingest-token',
    description: "give a tenant a new summary ingest token (delivered as by passwd; the old one stops working); a tenant created before summaries existed (or, on swarm, before they worked there) gets its first",
    args: [NAME],
    options: [JSON_OUT('print the result as JSON')],
    help: `${examples(['feather-tenant rotate-ingest-token alice'])}
The token is never printed: the container reads it from /run/secrets/feather-ingest-token and
pushes summaries with it (POST $FEATHER_SUMMARY_URL, Authorization: Bearer <token>).
`,
    backends: EVERY_BACKEND,
    run: ([name = ''], o) => runAndRender(() => import('../commands/rotate-ingest-token.js'), (m, ctx) => m.rotateIngestToken(ctx, name), (r) => r.printRotateIngest, o),
  },
  {
    name: 'summaries',
    description: 'the last summaries a tenant pushed (POST /_feather/summary with its ingest token), oldest first',
    args: [NAME],
    options: [
      { flags: '--last <n>', description: 'how many (1-1000)', default: '10' },
      JSON_OUT('print as JSON'),
    ],
    help: examples(['feather-tenant summaries alice', 'feather-tenant summaries alice --last 50 --json']),
    backends: EVERY_BACKEND,
    run: ([name = ''], o) => runAndRender(() => import('../commands/summaries.js'), (m, ctx) => m.summaries(ctx, name, { last: str(o.last) }), (r) => r.printSummaries, o),
  },
  {
    name: 'usage',
    description: 'usage per tenant over days: active minutes, requests, bytes in and out, wakes, CPU seconds, peak memory; most active first',
    args: [['[name]', 'one tenant: its days one by one']],
    options: [
      { flags: '--since <when>', description: 'days or hours back (7d, 12h) or a date (2026-11-01); days are UTC', default: '7d' },
      JSON_OUT('print as JSON'),
    ],
    help: examples(['feather-tenant usage', 'feather-tenant usage alice --since 30d', 'feather-tenant usage --since 2026-11-01 --json']),
    backends: EVERY_BACKEND,
    run: ([name], o) => runAndRender(() => import('../commands/usage.js'), (m, ctx) => m.usage(ctx, { name, since: str(o.since) }), (r) => r.printUsage, o),
  },
  {
    name: 'reconcile',
    description: 'make podman and Caddy match the state: restore, fix or remove routes, create or start containers, finish interrupted commands, restore tenant isolation rules (on swarm: the routes; services and state compared and reported)',
    options: [
      { flags: '--dry-run', description: 'print what would change, change nothing' },
      { flags: '--adopt', description: "also take over containers named with the prefix that state does not know (tenant.sh's), keeping port and volume" },
      JSON_OUT('print the changes and notes as JSON'),
    ],
    help: `${examples(['feather-tenant reconcile --dry-run', 'feather-tenant reconcile', 'feather-tenant reconcile --adopt'])}
Safe to run at any time (a second run changes nothing): at the birth container's start, and from cron:
  */5 * * * * podman exec feather-birth feather-tenant reconcile
`,
    backends: EVERY_BACKEND,
    run: async (_a, o) => {
      // podman ps is most of a reconcile: start it, then load the rest while it runs.
      const early = (await import('../runtime/early-read.js')).takeEarlyRead(process.env);
      let failed = 0;
      await runAndRender(
        () => import('../commands/reconcile.js'),
        async (m, ctx) => m.reconcile(ctx, { dryRun: flag(o.dryRun), adopt: flag(o.adopt), early }),
        (r) => (result, asJson) => {
          r.printReconcile(result, asJson);
          failed = result.failed;
        },
        o,
      );
      if (failed > 0) throw new OperationError(`${failed} change(s) failed; see above`, 'fix the cause and run feather-tenant reconcile again');
    },
  },
  {
    name: 'export',
    description: 'write a tenant (settings, password hash, data) as one verified archive, to a file or stdout',
    args: [NAME],
    options: [
      { flags: '-o, --output <file>', description: 'write the archive to FILE, or - for stdout', default: '-' },
      { flags: '--live', description: 'do not stop a running tenant for the copy (files it writes meanwhile may be copied half-written)' },
    ],
    help: `${examples([
      'feather-tenant export alice -o alice.tar',
      'feather-tenant export alice | ssh newhost podman exec -i feather-birth feather-tenant import -',
    ])}
A running tenant is stopped while its volume is copied and started again right after.
The archive holds the user's data and password hash: keep it as private as the volume.`,
    backends: EVERY_BACKEND,
    run: async ([name = ''], o) => {
      const [{ exportTenant }, io, { terminalProgress }, { version }, ctx] = await Promise.all([
        import('../commands/export.js'), import('./transfer-io.js'), import('./progress.js'), import('./version.js'), context(),
      ]);
      const file = str(o.output) ?? '-';
      io.refuseTerminalOutput(file);
      const output = await io.exportOutput(ctx, file);
      await exportTenant(ctx, { name, output, live: flag(o.live), progress: terminalProgress(), exporter: `feather-tenant ${version()}` });
    },
  },
  {
    name: 'import',
    description: 'create a tenant from an export archive (a file, or - for stdin), after verifying all of it',
    args: [['<file>', 'the archive, or - to read it from stdin']],
    options: [
      { flags: '--name <new>', description: "import under this name instead of the archive's" },
      { flags: '--image <image>', description: "work image, a plain reference [REGISTRY/]PATH[:TAG][@sha256:DIGEST] (default: the archive's)" },
      { flags: '--new-password', description: "make a new password instead of keeping the user's (printed once)" },
      { flags: '--force', description: 'if the volume already holds data, delete its contents and import anyway (not on swarm)' },
      { flags: '--node <host>', description: 'FEATHER_TENANT_BACKEND=swarm: the node (its feather.host label) to run on (default: the one with the fewest tenants)' },
      JSON_OUT('print the tenant as JSON'),
    ],
    help: `${examples([
      'feather-tenant import alice.tar',
      'FEATHER_TENANT_BACKEND=swarm feather-tenant import alice.tar --node 2',
      'feather-tenant import alice.tar --name alice2 --new-password',
      'ssh oldhost podman exec feather-birth feather-tenant export alice | feather-tenant import -',
    ])}
Nothing is created until the whole archive has been read, its checksums verified, and its
volume.tar checked entry by entry (nothing outside the volume, no devices, no setuid files;
see the README's "What import checks").
Exit codes: 2 bad archive, 4 the tenant exists or its volume holds data.`,
    backends: EVERY_BACKEND,
    run: ([file = ''], o) => runAndRender(
      () => Promise.all([import('../commands/import.js'), import('./transfer-io.js'), import('./progress.js')]),
      async ([m, io, progress], ctx) => m.importTenant(ctx, {
        input: await io.importInput(file), name: str(o.name), image: str(o.image), newPassword: flag(o.newPassword), force: flag(o.force), node: str(o.node), progress: progress.terminalProgress(),
      }),
      (r) => r.printImport, o,
    ),
  },
  {
    name: 'sweep',
    description: 'one pass for cron: stop every running tenant idle longer than FEATHER_TENANT_IDLE_MINUTES; prints what it stopped',
    options: [
      { flags: '--dry-run', description: 'only say, for each running tenant, whether it would be stopped and why (its last activity)' },
      JSON_OUT('print the result as JSON'),
    ],
    help: examples(['feather-tenant sweep', 'feather-tenant sweep --dry-run --json', '* * * * * podman exec feather-birth feather-tenant sweep   (crontab)']),
    backends: EVERY_BACKEND,
    run: (_a, o) => runAndRender(() => import('../commands/sweep.js'), (m, ctx) => m.sweep(ctx, { dryRun: flag(o.dryRun) }), (r) => r.printSweep, o),
  },
  ...pin,
  {
    name: 'watchdog',
    description: 'run the daemon: the wake server (FEATHER_TENANT_WAKE_LISTEN), the admin API (FEATHER_TENANT_ADMIN_LISTEN), a sweep every minute, /healthz and /metrics; JSON logs on stderr',
    help: examples(['feather-tenant watchdog', 'curl -s http://127.0.0.1:9098/metrics', 'curl -s -H "Authorization: Bearer $(feather-tenant admin-token)" http://127.0.0.1:9097/api/tenants']),
    backends: EVERY_BACKEND,
    run: async () => {
      const [{ watchdog }, ctx] = await Promise.all([import('../watchdog/daemon.js'), context()]);
      const stop = new AbortController();
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort());
      await watchdog(ctx, { signal: stop.signal });
    },
  },
  {
    name: 'admin-token',
    description: "print the admin API's bearer token (made on first use, kept 0600 in the state directory); --rotate replaces it",
    options: [{ flags: '--rotate', description: 'make a new token; the old one stops working at once, the watchdog need not restart' }],
    help: `${examples([
      'feather-tenant admin-token',
      'curl -s -H "Authorization: Bearer $(feather-tenant admin-token)" http://127.0.0.1:9097/api/tenants',
      'feather-tenant admin-token --rotate',
    ])}
The watchdog serves the admin API on FEATHER_TENANT_ADMIN_LISTEN (default 127.0.0.1:9097; off disables it).
See docs/admin-api.md for the endpoints.
`,
    backends: EVERY_BACKEND,
    run: async (_a, o) => {
      const [{ adminToken }, { loadConfig }] = await Promise.all([import('../commands/admin-token.js'), import('../runtime/load-config.js')]);
      process.stdout.write(`${adminToken(loadConfig(process.env), { rotate: flag(o.rotate) })}\n`);
    },
  },
  {
    name: 'config',
    description: 'print the effective configuration (file and environment), secrets redacted',
    help: examples(['feather-tenant config', 'FEATHER_TENANT_PORTS=9001-9050 feather-tenant config']),
    backends: EVERY_BACKEND,
    run: async () => {
      const [{ loadConfig }, { redactConfig }] = await Promise.all([import('../runtime/load-config.js'), import('../core/config.js')]);
      process.stdout.write(`${JSON.stringify(redactConfig(loadConfig(process.env)), null, 2)}\n`);
    },
  },
  sessions,
  admin,
];
