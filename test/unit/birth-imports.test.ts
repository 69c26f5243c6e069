import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The renderer runs before Caddy at every start of the birth container: it must not load the CLI's
// parser, SQLite or the podman client (it once did, through the CLI's error handler).
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/** Every module a file loads at startup (static imports, not `import type` or lazy `import()`). */
function closure(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s+(?!type\b)[^'";]*?from\s*['"]([^'"]+)['"]|^import\s+['"]([^'"]+)['"]/gm)) {
      const spec = m[1] ?? m[2] ?? '';
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
      else packages.add(spec);
    }
  };
  visit(entry);
  return { files: [...files].map((f) => relative(SRC, f)), packages: [...packages] };
}

describe('the birth renderer', () => {
  it('loads neither commander, SQLite, nor the podman and Caddy clients', () => {
    const { files, packages } = closure(resolve(SRC, 'birth/render-caddy-config.ts'));
    expect(files).toContain('cli/errors.ts');
    expect(packages.filter((p) => !p.startsWith('node:'))).toEqual([]);
    expect(files.filter((f) => /^(podman|store|redis|firewall|runtime\/context|cli\/(entry|program|table))/.test(f) || f === 'caddy/admin-client.ts')).toEqual([]);
  });

  it('would see the CLI: the entry loads commander', () => {
    expect(closure(resolve(SRC, 'cli/entry.ts')).packages).toContain('commander');
  });
});
