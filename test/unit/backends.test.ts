import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS, type CommandSpec } from '../../src/cli/table.js';
import { buildProgram, define } from '../../src/cli/program.js';
import { EXIT, FeatherError } from '../../src/core/errors.js';
import { startContainerRead } from '../../src/runtime/early-read.js';

// The one refusal of a command the configured backend has no path for (cli/backends.ts, checked
// in program.ts before any command runs): every command of the table, on both backends.
const dir = mkdtempSync(join(tmpdir(), 'ftt-backends-'));
const configFile = join(dir, 'config.json');
writeFileSync(configFile, '{}');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runnable(specs: readonly CommandSpec[], path: string[] = []): { words: string[]; spec: CommandSpec }[] {
  return specs.flatMap((s) => [...(s.run ? [{ words: [...path, s.name], spec: s }] : []), ...runnable(s.sub ?? [], [...path, s.name])]);
}
const ALL = runnable(COMMANDS);

/** Runs `words` through a program of one spec whose run only counts; resolves with the count or the error. */
async function tryOn(backend: 'podman' | 'swarm', words: string[], spec: CommandSpec): Promise<{ ran: number; error?: unknown }> {
  let ran = 0;
  const counted: CommandSpec = { ...spec, run: () => Promise.resolve(void ran++) };
  const wrapped = words.slice(0, -1).reduceRight<CommandSpec>((inner, word) => ({ name: word, description: '', sub: [inner] }), counted);
  const program = new Command('feather-tenant').exitOverride();
  define(program, wrapped, { FEATHER_TENANT_BACKEND: backend, FEATHER_TENANT_CONFIG: configFile });
  const args = (spec.args ?? []).flatMap(([a]) => (a.startsWith('<') ? ['alice'] : []));
  try {
    await program.parseAsync(['node', 'feather-tenant', ...words, ...args]);
    return { ran };
  } catch (error) {
    return { ran, error };
  }
}

describe('which backend runs which command', () => {
  it('every command of the table says its backends', () => {
    expect(ALL.filter((c) => c.spec.backends === undefined).map((c) => c.words.join(' '))).toEqual([]);
  });

  it('the podman-only ones are the commands with no swarm path yet', () => {
    const only = (b: string) => ALL.filter((c) => !c.spec.backends?.includes(b as 'podman')).map((c) => c.words.join(' ')).sort();
    expect(only('swarm')).toEqual(['admin status', 'admin swap']);
    expect(only('podman')).toEqual(['move']);
  });

  for (const backend of ['podman', 'swarm'] as const) {
    it(`on ${backend}: a command it has no path for is refused (exit 2) before it runs; the others run`, async () => {
      for (const { words, spec } of ALL) {
        const r = await tryOn(backend, words, spec);
        if (spec.backends?.includes(backend)) {
          expect(r, words.join(' ')).toEqual({ ran: 1 });
        } else {
          expect(r.ran, words.join(' ')).toBe(0);
          expect(r.error).toBeInstanceOf(FeatherError);
          expect((r.error as FeatherError).exitCode).toBe(EXIT.usage);
          expect((r.error as FeatherError).message).toBe(`${words.join(' ')} does not work with FEATHER_TENANT_BACKEND=${backend}${backend === 'swarm' ? ' yet' : ''}`);
        }
      }
    });
  }

  it("the launcher's early podman read (list, reconcile, upgrade) is podman's alone", async () => {
    expect(startContainerRead({ FEATHER_TENANT_BACKEND: 'swarm', FEATHER_TENANT_CONFIG: configFile })).toBeUndefined();
    const onPodman = startContainerRead({ FEATHER_TENANT_BACKEND: 'podman', FEATHER_TENANT_CONFIG: configFile, FEATHER_TENANT_PODMAN: '/nonexistent/podman' });
    expect(onPodman).toBeInstanceOf(Promise);
    await onPodman?.catch(() => undefined);
  });

  it('--help marks the commands of one backend', () => {
    const flat = (text: string | undefined) => (text ?? '').replace(/\s+/g, ' ');
    const help = flat(buildProgram().helpInformation());
    expect(help).toContain('(stops it meanwhile) [swarm backend only]');
    // upgrade runs on both (issue 14): no mark
    expect(help).toMatch(/does not answer(?! \[)/);
    expect(flat(buildProgram().commands.find((c) => c.name() === 'admin')?.helpInformation())).toContain('after the drain [podman backend only]');
    expect(help).toContain('prints its URL and password remove|rm');
  });
});
