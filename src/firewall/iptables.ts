import { EngineError } from '../core/errors.js';
import { protectSteps, releaseSteps } from '../core/isolation-plan.js';
import type { Env } from '../core/config.js';
import { runProcess } from '../os/run-process.js';

/** Keeps tenant bridges from reaching each other; see core/isolation-plan.ts for why and how. */
export interface TenantFirewall {
  /** false where nothing is managed: callers skip reading what they would protect. */
  readonly enabled: boolean;
  /** Adds what is missing for these bridges (with dryRun, only counts it); resolves with how many rules were missing. */
  protect(bridges: string[], opts?: { dryRun?: boolean }): Promise<number>;
  /** Deletes one bridge's rules: call it before its network goes, so a reused name is never hit. */
  release(bridge: string): Promise<void>;
}

/** Where netavark's own isolation holds (its nftables driver, as in the birth image). */
export const noFirewall: TenantFirewall = {
  enabled: false,
  protect: () => Promise.resolve(0),
  release: () => Promise.resolve(),
};

// Answers that mean another process got there a moment before us: it made the chain, or
// deleted the rule. Anything else (an -A that fails) is an error: the rule is not in place.
const RACED: Record<string, RegExp> = {
  '-N': /chain already exists/i,
  '-D': /bad rule|does a matching rule exist|no chain\/target\/match/i,
};

/** iptables' mangle table, through the `iptables` program (no shell). */
export class IptablesFirewall implements TenantFirewall {
  readonly enabled = true;
  private readonly env: Env;

  constructor(
    env: Env,
    private readonly bin = 'iptables',
    private readonly isRoot = process.getuid?.() === 0,
  ) {
    // cron's PATH often lacks the sbin directories iptables lives in.
    this.env = { ...env, PATH: `${env.PATH ?? '/usr/bin:/bin'}:/usr/sbin:/sbin` };
  }

  async protect(bridges: string[], opts: { dryRun?: boolean } = {}): Promise<number> {
    if (bridges.length === 0) return 0;
    const listing = await this.listing();
    if (listing === undefined) return 0;
    const steps = protectSteps(listing, bridges);
    if (!opts.dryRun) for (const s of steps) await this.apply(s);
    return steps.filter((s) => s[0] === '-A').length;
  }

  async release(bridge: string): Promise<void> {
    const listing = await this.listing();
    if (listing === undefined) return;
    for (const s of releaseSteps(listing, bridge)) await this.apply(s);
  }

  /** undefined where there is nothing to manage: no iptables, or not root (rootless podman's networks live in its own namespace). */
  private async listing(): Promise<string | undefined> {
    if (!this.isRoot) return undefined;
    try {
      const r = await runProcess(this.bin, ['-w', '-t', 'mangle', '-S'], this.env);
      if (r.exitCode !== 0) throw new EngineError('iptables -t mangle -S', r.stderr);
      return r.stdout;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  private async apply(args: string[]): Promise<void> {
    const r = await runProcess(this.bin, ['-w', '-t', 'mangle', ...args], this.env);
    if (r.exitCode !== 0 && !RACED[args[0] ?? '']?.test(r.stderr)) throw new EngineError(`iptables -t mangle ${args.slice(0, 2).join(' ')}`, r.stderr);
  }
}
