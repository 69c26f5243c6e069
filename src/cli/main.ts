import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { EXIT, FeatherError } from '../core/errors.js';

// Commands are imported when they run, so `--version` and `--help` stay close to bare node.
let current: import('../runtime/context.js').Context | undefined;
const context = async () => (current = (await import('../runtime/context.js')).createContext());

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

export function buildProgram(): Command {
  const program = new Command('feather-tenant')
    .description('Run one isolated Feather container per user: podman containers, Caddy routes, SQLite state.')
    .version(version(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `
Configuration comes from /etc/feather-tenant/config.json (or $FEATHER_TENANT_CONFIG)
and FEATHER_TENANT_* environment variables; see: feather-tenant config
Exit codes: 0 ok, 1 operation failed, 2 bad input, 3 no such tenant, 4 conflict.`);

  program
    .command('add')
    .description('create a tenant: volume (kept if it exists), container, Caddy route; prints its URL and password')
    .argument('<name>', 'tenant name: a DNS label (a-z, 0-9, -), 1-32 characters, starting with a letter')
    .option('--image <image>', 'work image, a plain reference [REGISTRY/]PATH[:TAG][@sha256:DIGEST] (default: FEATHER_TENANT_IMAGE)')
    .option('--json', 'print the tenant as JSON')
    .addHelpText('after', examples(['feather-tenant add alice', 'feather-tenant add bob --image localhost/feather-work:v2 --json']))
    .action(async (name: string, o: { image?: string; json?: boolean }) => {
      const [{ add }, render, ctx] = await Promise.all([import('../commands/add.js'), import('./render.js'), context()]);
      render.printAdd(await add(ctx, { name, image: o.image }), o.json === true);
    });

  program
    .command('remove')
    .alias('rm')
    .description("remove a tenant's container, route and state; the data volume is kept unless --purge")
    .argument('<name>', 'tenant name')
    .option('--purge', "also delete the tenant's data volume (needs --yes, or typing the name on a terminal)")
    .option('-y, --yes', 'confirm --purge without asking')
    .option('--json', 'print what was removed as JSON')
    .addHelpText('after', examples(['feather-tenant remove alice', 'feather-tenant remove alice --purge --yes']))
    .action(async (name: string, o: { purge?: boolean; yes?: boolean; json?: boolean }) => {
      const [{ remove }, render, { terminalConfirm }, ctx] = await Promise.all([
        import('../commands/remove.js'), import('./render.js'), import('./prompt.js'), context(),
      ]);
      const result = await remove(ctx, { name, purge: o.purge === true, yes: o.yes === true, confirm: terminalConfirm() });
      render.printRemove(result, o.json === true);
    });

  program
    .command('list')
    .alias('ls')
    .description('list tenants with their port, URL, container and state')
    .option('--json', 'print as JSON')
    .addHelpText('after', examples(['feather-tenant list', 'feather-tenant list --json']))
    .action(async (o: { json?: boolean }) => {
      // Like reconcile: the podman ps the launcher started runs while the rest loads.
      const early = (await import('../runtime/early-read.js')).takeEarlyRead(process.env);
      const [{ list }, render, ctx] = await Promise.all([import('../commands/list.js'), import('./render.js'), context()]);
      render.printList(await list(ctx, early), o.json === true);
    });

  program
    .command('show')
    .description("one tenant: port, URL, state, image, limits, volume and its size, created and started times")
    .argument('<name>', 'tenant name')
    .option('--json', 'print as JSON')
    .addHelpText('after', examples(['feather-tenant show alice', 'feather-tenant show alice --json']))
    .action(async (name: string, o: { json?: boolean }) => {
      const [{ show }, render, ctx] = await Promise.all([import('../commands/show.js'), import('./render.js'), context()]);
      render.printShow(await show(ctx, name), o.json === true);
    });

  for (const [verb, what] of [
    ['start', "start a tenant's container (creating it if it is missing); already running is fine"],
    ['stop', "stop a tenant's container (its route, volume and state stay); already stopped is fine"],
    ['restart', "stop and start a tenant's container, waiting until it answers"],
  ] as const) {
    program
      .command(verb)
      .description(what)
      .argument('<name>', 'tenant name')
      .option('--json', 'print the outcome as JSON')
      .addHelpText('after', examples([`feather-tenant ${verb} alice`]))
      .action(async (name: string, o: { json?: boolean }) => {
        const [{ lifecycle }, render, ctx] = await Promise.all([import('../commands/lifecycle.js'), import('./render.js'), context()]);
        render.printLifecycle(await lifecycle(ctx, verb, name), o.json === true);
      });
  }

  program
    .command('logs')
    .description("a tenant's container logs; -f streams them until interrupted")
    .argument('<name>', 'tenant name')
    .option('-f, --follow', 'keep streaming new lines')
    .option('-n, --tail <lines>', 'only the last N lines')
    .option('--since <time>', 'only lines since a duration ago (10m, 2h) or a time (2024-05-01T12:00:00Z)')
    .addHelpText('after', examples(['feather-tenant logs alice -n 50', 'feather-tenant logs alice -f --since 10m']))
    .action(async (name: string, o: { follow?: boolean; tail?: string; since?: string }) => {
      const [{ logs }, { OperationError }, ctx] = await Promise.all([import('../commands/logs.js'), import('../core/errors.js'), context()]);
      const code = await logs(ctx, { name, follow: o.follow === true, lines: o.tail, since: o.since });
      if (code !== 0 && code !== 130) throw new OperationError(`podman logs exited with status ${code}`);
    });

  program
    .command('passwd')
    .description('give a tenant a new password (printed once); the container is recreated with it and the old one stops working')
    .argument('<name>', 'tenant name')
    .option('--json', 'print the tenant and new password as JSON')
    .addHelpText('after', examples(['feather-tenant passwd alice', 'feather-tenant passwd alice --json']))
    .action(async (name: string, o: { json?: boolean }) => {
      const [{ passwd }, render, ctx] = await Promise.all([import('../commands/passwd.js'), import('./render.js'), context()]);
      render.printPasswd(await passwd(ctx, name), o.json === true);
    });

  program
    .command('reconcile')
    .description('make podman and Caddy match the state: restore, fix or remove routes, create or start containers, finish interrupted commands, restore tenant isolation rules')
    .option('--dry-run', 'print what would change, change nothing')
    .option('--adopt', "also take over containers named with the prefix that state does not know (tenant.sh's), keeping port and volume")
    .option('--json', 'print the changes and notes as JSON')
    .addHelpText('after', `${examples(['feather-tenant reconcile --dry-run', 'feather-tenant reconcile', 'feather-tenant reconcile --adopt'])}
Safe to run at any time (a second run changes nothing): at the birth container's start, and from cron:
  */5 * * * * podman exec feather-birth feather-tenant reconcile
`)
    .action(async (o: { dryRun?: boolean; adopt?: boolean; json?: boolean }) => {
      // podman ps is most of a reconcile: start it, then load the rest while it runs.
      const early = (await import('../runtime/early-read.js')).takeEarlyRead(process.env);
      const [{ reconcile }, render, { OperationError }, ctx] = await Promise.all([
        import('../commands/reconcile.js'), import('./render.js'), import('../core/errors.js'), context(),
      ]);
      const r = await reconcile(ctx, { dryRun: o.dryRun === true, adopt: o.adopt === true, early });
      render.printReconcile(r, o.json === true);
      if (r.failed > 0) throw new OperationError(`${r.failed} change(s) failed; see above`, 'fix the cause and run feather-tenant reconcile again');
    });

  program
    .command('export')
    .description("write a tenant (settings, password hash, data) as one verified archive, to a file or stdout")
    .argument('<name>', 'tenant name')
    .option('-o, --output <file>', 'write the archive to FILE, or - for stdout', '-')
    .option('--live', 'do not stop a running tenant for the copy (files it writes meanwhile may be copied half-written)')
    .addHelpText('after', `${examples([
      'feather-tenant export alice -o alice.tar',
      'feather-tenant export alice | ssh newhost podman exec -i feather-birth feather-tenant import -',
    ])}
A running tenant is stopped while its volume is copied and started again right after.
The archive holds the user's data and password hash: keep it as private as the volume.`)
    .action(async (name: string, o: { output: string; live?: boolean }) => {
      const [{ exportTenant }, { fileOutput, streamOutput }, { terminalProgress }, { UsageError }, ctx] = await Promise.all([
        import('../commands/export.js'), import('../transfer/output.js'), import('./progress.js'), import('../core/errors.js'), context(),
      ]);
      if (o.output === '-' && process.stdout.isTTY) throw new UsageError('refusing to write an archive to a terminal', 'use -o FILE, or pipe it: feather-tenant export NAME | ...');
      const output = o.output === '-' ? streamOutput(process.stdout) : await fileOutput(o.output, (line) => ctx.log(line));
      // A second SIGINT/SIGTERM exits at once (see main): the unfinished file goes with us.
      process.once('exit', () => output.discardSync());
      await exportTenant(ctx, { name, output, live: o.live === true, progress: terminalProgress(), exporter: `feather-tenant ${version()}` });
    });

  program
    .command('import')
    .description('create a tenant from an export archive (a file, or - for stdin), after verifying all of it')
    .argument('<file>', 'the archive, or - to read it from stdin')
    .option('--name <new>', "import under this name instead of the archive's")
    .option('--image <image>', "work image, a plain reference [REGISTRY/]PATH[:TAG][@sha256:DIGEST] (default: the archive's)")
    .option('--new-password', "make a new password instead of keeping the user's (printed once)")
    .option('--force', 'if the volume already holds data, delete its contents and import anyway')
    .option('--json', 'print the tenant as JSON')
    .addHelpText('after', `${examples([
      'feather-tenant import alice.tar',
      'feather-tenant import alice.tar --name alice2 --new-password',
      'ssh oldhost podman exec feather-birth feather-tenant export alice | feather-tenant import -',
    ])}
Nothing is created until the whole archive has been read, its checksums verified, and its
volume.tar checked entry by entry (nothing outside the volume, no devices, no setuid files;
see the README's "What import checks").
Exit codes: 2 bad archive, 4 the tenant exists or its volume holds data.`)
    .action(async (file: string, o: { name?: string; image?: string; newPassword?: boolean; force?: boolean; json?: boolean }) => {
      const [{ importTenant }, render, { terminalProgress }, { UsageError }, { createReadStream }, ctx] = await Promise.all([
        import('../commands/import.js'), import('./render.js'), import('./progress.js'), import('../core/errors.js'), import('node:fs'), context(),
      ]);
      if (file === '-' && process.stdin.isTTY) throw new UsageError('refusing to read an archive from a terminal', 'pipe it in, or name the file');
      const input = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 1 << 20 });
      const opened = file === '-' ? Promise.resolve() : new Promise<void>((res, rej) => {
        (input as ReturnType<typeof createReadStream>).once('open', () => res()).once('error', (err: NodeJS.ErrnoException) => rej(
          new UsageError(`cannot read ${file}: ${err.code ?? err.message}`),
        ));
      });
      await opened;
      const result = await importTenant(ctx, {
        input, name: o.name, image: o.image, newPassword: o.newPassword === true, force: o.force === true, progress: terminalProgress(),
      });
      render.printImport(result, o.json === true);
    });

  program
    .command('sweep')
    .description('one pass for cron: stop every running tenant idle longer than FEATHER_TENANT_IDLE_MINUTES; prints what it stopped')
    .option('--dry-run', 'only say what would be stopped')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', examples(['feather-tenant sweep', 'feather-tenant sweep --dry-run --json', '* * * * * podman exec feather-birth feather-tenant sweep   (crontab)']))
    .action(async (o: { dryRun?: boolean; json?: boolean }) => {
      const [{ sweep }, render, ctx] = await Promise.all([import('../commands/sweep.js'), import('./render.js'), context()]);
      render.printSweep(await sweep(ctx, { dryRun: o.dryRun === true }), o.json === true);
    });

  for (const [cmd, pinned] of [['pin', true], ['unpin', false]] as const) {
    program
      .command(cmd)
      .description(pinned ? 'exempt a tenant from sleeping: sweeps leave it running' : 'let a pinned tenant sleep again when idle')
      .argument('<name>', 'tenant name')
      .option('--json', 'print the result as JSON')
      .addHelpText('after', examples([`feather-tenant ${cmd} alice`]))
      .action(async (name: string, o: { json?: boolean }) => {
        const [{ setPinned }, render, ctx] = await Promise.all([import('../commands/pin.js'), import('./render.js'), context()]);
        render.printPin(setPinned(ctx, { name, pinned }), o.json === true);
      });
  }

  program
    .command('watchdog')
    .description('run the daemon: the wake server (FEATHER_TENANT_WAKE_LISTEN), a sweep every minute, /healthz and /metrics; JSON logs on stderr')
    .addHelpText('after', examples(['feather-tenant watchdog', 'curl -s http://127.0.0.1:9098/metrics']))
    .action(async () => {
      const [{ watchdog }, ctx] = await Promise.all([import('../watchdog/daemon.js'), context()]);
      const stop = new AbortController();
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort());
      await watchdog(ctx, { signal: stop.signal });
    });

  program
    .command('config')
    .description('print the effective configuration (file and environment), secrets redacted')
    .addHelpText('after', examples(['feather-tenant config', 'FEATHER_TENANT_PORTS=9001-9050 feather-tenant config']))
    .action(async () => {
      const [{ loadConfig }, { redactConfig }] = await Promise.all([import('../runtime/context.js'), import('../core/config.js')]);
      process.stdout.write(`${JSON.stringify(redactConfig(loadConfig(process.env)), null, 2)}\n`);
    });

  const sessions = program
    .command('sessions')
    .description("the login gate's sessions (FEATHER_TENANT_AUTH=jwt): list, revoke, and revocations waiting for Redis");
  sessions
    .command('list')
    .description("list a tenant's active sessions")
    .argument('<name>', 'tenant name')
    .option('--json', 'print as JSON')
    .addHelpText('after', examples(['feather-tenant sessions list alice']))
    .action(async (name: string, o: { json?: boolean }) => {
      const [{ listSessions }, render, ctx] = await Promise.all([import('../commands/sessions.js'), import('./render.js'), context()]);
      render.printSessions(await listSessions(ctx, name), o.json === true);
    });
  sessions
    .command('revoke')
    .description("end all of a tenant's sessions, or one (--session); takes effect within a second")
    .argument('<name>', 'tenant name')
    .option('--session <id>', 'end only this session (ids as in `sessions list`)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', examples(['feather-tenant sessions revoke alice', 'feather-tenant sessions revoke alice --session 3hT0...']))
    .action(async (name: string, o: { session?: string; json?: boolean }) => {
      const [{ revokeSessions }, render, ctx] = await Promise.all([import('../commands/sessions.js'), import('./render.js'), context()]);
      render.printRevoke(await revokeSessions(ctx, name, o.session), o.json === true);
    });
  sessions
    .command('pending')
    .description('revocations recorded but not yet confirmed by Redis (delivered by the watchdog or the next command)')
    .option('--json', 'print as JSON')
    .action(async (o: { json?: boolean }) => {
      const [{ pendingRevocations }, render, ctx] = await Promise.all([import('../commands/sessions.js'), import('./render.js'), context()]);
      render.printPending(pendingRevocations(ctx), o.json === true);
    });

  program.addOption(new Option('--no-color', 'accepted for compatibility; output is never colored').hideHelp());
  return program;
}

/** The one place where errors become messages and exit codes. */
export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
    return EXIT.usage; // commander already printed its message
  }
  if (err instanceof FeatherError) {
    process.stderr.write(`feather-tenant: ${err.message}\n`);
    if (err.hint) process.stderr.write(`  hint: ${err.hint}\n`);
    return err.exitCode;
  }
  process.stderr.write(`feather-tenant: internal error (a bug; please report it with this trace):\n${(err as Error)?.stack ?? String(err)}\n`);
  return EXIT.failed;
}

export async function main(argv: string[]): Promise<void> {
  // `feather-tenant list | head`: a reader that goes away is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  const program = buildProgram();
  program.exitOverride();
  for (const cmd of program.commands) cmd.exitOverride();
  // First signal: stop at the next checkpoint and roll back; a second one exits at once.
  let signalled = false;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (signalled) process.exit(130);
      signalled = true;
      void import('../runtime/context.js').then((m) => m.interrupt(sig));
    });
  }
  try {
    await program.parseAsync(argv);
    process.exitCode = EXIT.ok;
  } catch (err) {
    process.exitCode = reportError(err);
  }
  // Whatever the command did, revocations waiting in the outbox get another delivery attempt.
  // Checked here with the light outbox module: revocations.ts brings the Redis client (~50 ms).
  if (current && current.config.auth === 'jwt' && current.storeOpened()) {
    try {
      const { RevocationOutbox } = await import('../store/outbox.js');
      if (new RevocationOutbox(current.store().db).count() > 0) await (await import('../tenant/revocations.js')).afterCommand(current);
    } catch (err) {
      process.stderr.write(`feather-tenant: could not deliver queued revocations: ${(err as Error).message}\n`);
    }
  }
}
