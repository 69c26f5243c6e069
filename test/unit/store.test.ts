import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../../src/store/db.js';
import { TenantStore } from '../../src/store/tenants.js';
import { ConflictError } from '../../src/core/errors.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function store(): { s: TenantStore; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ft-store-'));
  dirs.push(dir);
  return { s: new TenantStore(openDb(join(dir, 'state'))), dir };
}

const range = { first: 9001, last: 9003 };
const res = (name: string, alsoUsed = new Set<number>()) => ({ name, image: 'img', volume: `v-${name}`, range, alsoUsed, now: 1 });

describe('tenant store (real SQLite)', () => {
  it('creates the database 0600 in a 0700 directory, with WAL', () => {
    const { dir } = store();
    expect(statSync(join(dir, 'state')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'state', 'state.db')).mode & 0o777).toBe(0o600);
    const db = openDb(join(dir, 'state'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('claims the lowest free port, skipping ports used elsewhere', () => {
    const { s } = store();
    expect(s.reserve(res('a')).port).toBe(9001);
    expect(s.reserve(res('b', new Set([9002]))).port).toBe(9003);
    expect(() => s.reserve(res('c', new Set([9002])))).toThrow(ConflictError);
    expect(() => s.reserve(res('a'))).toThrow('already exists');
    s.delete('a');
    expect(s.reserve(res('c', new Set([9002]))).port).toBe(9001);
  });

  it('keeps status and the password hash', () => {
    const { s } = store();
    s.reserve(res('a'));
    expect(s.get('a')?.status).toBe('provisioning');
    s.activate('a', 'cid', 'scrypt$hash', 2);
    expect(s.get('a')).toMatchObject({ status: 'active', containerId: 'cid', passwordHash: 'scrypt$hash', updatedAt: 2 });
  });
});
