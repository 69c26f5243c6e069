import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { EXIT, FeatherError } from '../core/errors.js';

// Commands are imported when they run, so `--version` and `--help` stay close to bare node.
let current: import('../app/context.js').Context | undefined;
const context = async () => (current = (await import('../app/context.js')).createContext());

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
    .option('--image <image>', 'work image (default: FEATHER_TENANT_IMAGE)')
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
      const [{ list }, render, ctx] = await Promise.all([import('../commands/list.js'), import('./render.js'), context()]);
      render.printList(await list(ctx), o.json === true);
    });

  program
    .command('config')
    .description('print the effective configuration (file and environment), secrets redacted')
    .addHelpText('after', examples(['feather-tenant config', 'FEATHER_TENANT_PORTS=9001-9050 feather-tenant config']))
    .action(async () => {
      const [{ loadConfig }, { redactConfig }] = await Promise.all([import('../app/context.js'), import('../core/config.js')]);
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
  const program = buildProgram();
  program.exitOverride();
  for (const cmd of program.commands) cmd.exitOverride();
  // First signal: stop at the next checkpoint and roll back; a second one exits at once.
  let signalled = false;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (signalled) process.exit(130);
      signalled = true;
      void import('../app/context.js').then((m) => m.interrupt(sig));
    });
  }
  try {
    await program.parseAsync(argv);
    process.exitCode = EXIT.ok;
  } catch (err) {
    process.exitCode = reportError(err);
  }
  // Whatever the command did, revocations waiting in the outbox get another delivery attempt.
  if (current) {
    try {
      await (await import('../commands/revocations.js')).afterCommand(current);
    } catch (err) {
      process.stderr.write(`feather-tenant: could not deliver queued revocations: ${(err as Error).message}\n`);
    }
  }
}
