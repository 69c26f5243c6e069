// commander, configured from the command table: the only file that knows commander's API.
import { Command, Option } from 'commander';
import type { Env } from '../core/config.js';
import { COMMANDS, type CommandSpec, type Opts } from './table.js';
import { version } from './version.js';
import { backendNote, refuseOnBackend } from './backends.js';

/** Adds `spec` (and its subcommands) to `parent`; `path` is the words before it (`admin`). */
export function define(parent: Command, spec: CommandSpec, env: Env = process.env, path: readonly string[] = []): void {
  const cmd = parent.command(spec.name);
  const words = [...path, spec.name].join(' ');
  if (spec.alias) cmd.alias(spec.alias);
  cmd.description(`${spec.description}${spec.backends ? backendNote(spec.backends) : ''}`);
  for (const [arg, what] of spec.args ?? []) cmd.argument(arg, what);
  for (const o of spec.options ?? []) {
    if (o.default === undefined) cmd.option(o.flags, o.description);
    else cmd.option(o.flags, o.description, o.default);
  }
  if (spec.help) cmd.addHelpText('after', spec.help);
  const { run, backends } = spec;
  if (run) {
    if (!backends) throw new Error(`command ${words} says no backends`); // a bug in table.ts
    // commander calls an action with the arguments, then the options, then the command.
    cmd.action(async (...given: unknown[]) => {
      // The one refusal of a command the configured backend has no path for: before it loads.
      await refuseOnBackend(words, { backends, ...(spec.backendHint ? { backendHint: spec.backendHint } : {}) }, env);
      const n = cmd.registeredArguments.length;
      await run(given.slice(0, n) as string[], given[n] as Opts);
    });
  }
  for (const sub of spec.sub ?? []) define(cmd, sub, env, [...path, spec.name]);
}

export function buildProgram(): Command {
  const program = new Command('feather-tenant')
    .description('Run one isolated Feather container per user: podman containers, Caddy routes, SQLite state.')
    .version(version(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `
Configuration comes from /etc/feather-tenant/config.json (or $FEATHER_TENANT_CONFIG)
and FEATHER_TENANT_* environment variables; see: feather-tenant config
Exit codes: 0 ok, 1 operation failed, 2 bad input, 3 no such tenant, 4 conflict.
Commands marked [podman backend only] refuse with FEATHER_TENANT_BACKEND=swarm (exit 2),
before changing anything; [swarm backend only] the same the other way round.`);
  for (const spec of COMMANDS) define(program, spec);
  program.addOption(new Option('--no-color', 'accepted for compatibility; output is never colored').hideHelp());
  return program;
}
