import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_FILE, DEFAULTS, SETTINGS, type Config, type Setting } from '../../src/core/config.js';

// The README has one configuration table. It is checked here against the settings' definitions
// (src/core/config.ts: the table of { key, env, file, parse } and DEFAULTS), so that a setting
// added, renamed or given another default cannot leave the documentation behind.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const HEADER = '| environment variable | file key | default | meaning |';

interface Row {
  env: string;
  file: string | undefined;
  defaultCell: string;
}

/** The first code span of a cell, or undefined when the cell has none. */
const code = (cell: string) => /`([^`]+)`/.exec(cell)?.[1];

/** The rows of the one configuration table under `## Configuration`. */
function configTable(readme: string): Row[] {
  const section = /^## Configuration\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readme)?.[1];
  if (section === undefined) throw new Error('README has no "## Configuration" section');
  const lines = section.split('\n');
  const start = lines.findIndex((l) => l.trim() === HEADER);
  if (start < 0) throw new Error(`the Configuration section has no table headed ${HEADER}`);
  const rows: Row[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line.slice(1, line.trimEnd().endsWith('|') ? line.trimEnd().length - 1 : undefined).split(/(?<!\\)\|/).map((c) => c.trim());
    rows.push({ env: code(cells[0] ?? '') ?? (cells[0] ?? ''), file: code(cells[1] ?? ''), defaultCell: cells[2] ?? '' });
  }
  return rows;
}

/**
 * The default a cell states, as the setting's own parser reads it: the code spans the cell starts
 * with (joined by commas, for lists); a cell that starts with words ("unset", "fitted to ...")
 * states no value, which is right only for a setting whose default is undefined.
 */
function statedDefault(cell: string): string | undefined {
  const m = /^(`[^`]+`(?:\s*,?\s*`[^`]+`)*)/.exec(cell);
  if (!m) return undefined;
  return [...(m[1] as string).matchAll(/`([^`]+)`/g)].map((x) => x[1]).join(',');
}

/** Everything wrong with the table, in words; [] when it matches the definitions. */
function configTableProblems(readme: string, settings: readonly Setting[], defaults: Config, sourceText: string): string[] {
  const problems: string[] = [];
  const rows = configTable(readme);
  const byEnv = new Map<string, Row>();
  for (const row of rows) {
    if (byEnv.has(row.env)) problems.push(`${row.env} is listed twice`);
    byEnv.set(row.env, row);
  }
  for (const s of settings) {
    const row = byEnv.get(s.env);
    if (!row) {
      problems.push(`${s.env} is missing from the table`);
      continue;
    }
    const fileKey = s.file ?? s.key;
    if (row.file !== fileKey) problems.push(`${s.env}: the file key is ${fileKey}, the table says ${row.file ?? 'none'}`);
    const stated = statedDefault(row.defaultCell);
    const actual = defaults[s.key];
    if (stated === undefined) {
      if (actual !== undefined) problems.push(`${s.env}: the default is ${JSON.stringify(actual)}, the table states none (${row.defaultCell})`);
      continue;
    }
    let parsed: unknown;
    try {
      parsed = s.parse(stated, s.env);
    } catch (e) {
      problems.push(`${s.env}: the table's default ${stated} is not a valid value: ${(e as Error).message}`);
      continue;
    }
    if (JSON.stringify(parsed) !== JSON.stringify(actual)) {
      problems.push(`${s.env}: the default is ${JSON.stringify(actual)}, the table's ${stated} reads as ${JSON.stringify(parsed)}`);
    }
  }
  const defined = new Set(settings.map((s) => s.env));
  for (const row of rows) {
    if (defined.has(row.env)) continue;
    // Variables read outside the settings table (the config file's path, tracing, a test hook):
    // no file key, and the code must read them.
    if (row.file !== undefined) problems.push(`${row.env} is listed with file key ${row.file} but is not a setting`);
    else if (!new RegExp(`\\b${row.env}\\b`).test(sourceText)) problems.push(`${row.env} is listed but nothing in src/ reads it`);
  }
  return problems;
}

function sourceText(dir: string): string {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
    .join('\n');
}

describe('the README configuration table', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const src = sourceText(join(ROOT, 'src'));

  it('lists every setting once, with its file key and default, and nothing that is not one', () => {
    expect(configTableProblems(readme, SETTINGS, DEFAULTS, src)).toEqual([]);
  });

  it('names the configuration file with its real default', () => {
    const row = configTable(readme).find((r) => r.env === 'FEATHER_TENANT_CONFIG');
    expect(row && statedDefault(row.defaultCell)).toBe(DEFAULT_CONFIG_FILE);
  });

  it('is the only table of settings in README.md and docs/', () => {
    const docs = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
    const withTable = ['README.md', ...docs].filter((f) => readFileSync(join(ROOT, f), 'utf8').split('\n').some((l) => l.trim() === HEADER));
    expect(withTable).toEqual(['README.md']);
  });

  describe('finds each kind of mistake', () => {
    const table = (...rows: string[]) => `# x\n\n## Configuration\n\n${HEADER}\n|---|---|---|---|\n${rows.join('\n')}\n\n## Next\n`;
    const ok = [
      '| `FEATHER_TENANT_DOMAIN` | `domain` | `users.inceptel.ai` | tenants |',
      '| `FEATHER_TENANT_PORTS` | `ports` | `9001-9010` | ports |',
      '| `FEATHER_TENANT_READY_TIMEOUT` | `readyTimeout` | `45` | seconds |',
      '| `FEATHER_TENANT_PASSTHROUGH_ENV` | `passthroughEnv` | `ANTHROPIC_API_KEY`, `OPENAI_API_KEY`, `FEATHER_ANTHROPIC_API_KEY`, `FEATHER_OPENAI_API_KEY` | names |',
      '| `FEATHER_TENANT_MAX_HELD` | `maxHeld` | fitted to the open-files limit | cap |',
    ];
    const some = SETTINGS.filter((s) => ['FEATHER_TENANT_DOMAIN', 'FEATHER_TENANT_PORTS', 'FEATHER_TENANT_READY_TIMEOUT', 'FEATHER_TENANT_PASSTHROUGH_ENV', 'FEATHER_TENANT_MAX_HELD'].includes(s.env));
    const check = (md: string) => configTableProblems(md, some, DEFAULTS, 'env.FEATHER_TENANT_TRACE');

    it('accepts a table that matches', () => {
      expect(some).toHaveLength(5);
      expect(check(table(...ok))).toEqual([]);
    });
    it('a setting missing from the table', () => {
      expect(check(table(...ok.slice(1)))).toEqual(['FEATHER_TENANT_DOMAIN is missing from the table']);
    });
    it('a default that differs (in the units the file and environment use)', () => {
      expect(check(table(...ok.slice(0, 2), '| `FEATHER_TENANT_READY_TIMEOUT` | `readyTimeout` | `30` | seconds |', ...ok.slice(3)))).toEqual([
        'FEATHER_TENANT_READY_TIMEOUT: the default is 45000, the table\'s 30 reads as 30000',
      ]);
      expect(check(table(...ok.slice(0, 4), '| `FEATHER_TENANT_MAX_HELD` | `maxHeld` | `416` | cap |'))).toEqual([
        'FEATHER_TENANT_MAX_HELD: the default is undefined, the table\'s 416 reads as 416',
      ]);
      expect(check(table(...ok.slice(0, 3), '| `FEATHER_TENANT_PASSTHROUGH_ENV` | `passthroughEnv` | `ANTHROPIC_API_KEY` | names |', ok[4] as string))).toHaveLength(1);
    });
    it('a default stated for a setting that has none, and none stated for one that has', () => {
      expect(check(table('| `FEATHER_TENANT_DOMAIN` | `domain` | unset | tenants |', ...ok.slice(1)))).toEqual([
        'FEATHER_TENANT_DOMAIN: the default is "users.inceptel.ai", the table states none (unset)',
      ]);
    });
    it('a wrong file key', () => {
      expect(check(table(...ok.slice(0, 2), '| `FEATHER_TENANT_READY_TIMEOUT` | `readyTimeoutMs` | `45` | seconds |', ...ok.slice(3)))).toEqual([
        'FEATHER_TENANT_READY_TIMEOUT: the file key is readyTimeout, the table says readyTimeoutMs',
      ]);
    });
    it('a variable listed but not defined', () => {
      expect(check(table(...ok, '| `FEATHER_TENANT_NO_SUCH` | `noSuch` | `1` | nothing |'))).toEqual(['FEATHER_TENANT_NO_SUCH is listed with file key noSuch but is not a setting']);
      expect(check(table(...ok, '| `FEATHER_TENANT_GONE` | | unset | nothing |'))).toEqual(['FEATHER_TENANT_GONE is listed but nothing in src/ reads it']);
      expect(check(table(...ok, '| `FEATHER_TENANT_TRACE` | | unset | read by the code |'))).toEqual([]);
    });
    it('a setting listed twice', () => {
      expect(check(table(...ok, ok[0] as string))).toEqual(['FEATHER_TENANT_DOMAIN is listed twice']);
    });
  });
});
