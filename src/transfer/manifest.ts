import { UsageError } from '../core/errors.js';
import { imageProblem } from '../core/image-ref.js';
import { nameProblem } from '../core/names.js';
import { scryptHashProblem } from '../core/password.js';

// What an export archive says about itself. Pure: building, rendering and validating.
// FORMAT_VERSION changes whenever a reader of the old version could misread the new one.

export const FORMAT = 'feather-tenant-export';
export const FORMAT_VERSION = 1;

/** The archive's entries, in this order (see archive-writer.ts for why). */
export const MANIFEST_ENTRY = 'manifest.json';
export const VOLUME_ENTRY = 'volume.tar';
export const SUMS_ENTRY = 'SHA256SUMS';
/** A manifest is a few hundred bytes; anything far larger is not ours and is not read into memory. */
export const MAX_MANIFEST_BYTES = 64 * 1024;

export interface Manifest {
  format: typeof FORMAT;
  formatVersion: number;
  tenant: string;
  image: string;
  /** The source server's limits at export time (limits are a server setting; import reports differences). */
  limits: { cpus: string; memory: string; pids: number };
  /** The scrypt hash from state: the user's password keeps working at the login gate. null: none known. */
  passwordHash: string | null;
  createdAt: string;
  exportedAt: string;
  sourceHost: string;
  /** True when the tenant kept running during the export (--live): the copy may be inconsistent. */
  live: boolean;
  /** `podman volume export` output, stored as the entry volume.tar. */
  volume: { bytes: number; sha256: string };
  exporter: string;
}

export function renderManifest(m: Manifest): Buffer {
  return Buffer.from(`${JSON.stringify(m, null, 2)}\n`, 'utf8');
}

/** The SHA256SUMS entry, in `sha256sum` format: an extracted archive can be checked with `sha256sum -c`. */
export function renderSums(sums: Record<string, string>): Buffer {
  return Buffer.from(Object.entries(sums).map(([file, sum]) => `${sum}  ${file}\n`).join(''), 'ascii');
}

export function parseSums(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n').filter(Boolean)) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m) throw badArchive(`${SUMS_ENTRY} has a malformed line`);
    out[m[2] as string] = m[1] as string;
  }
  return out;
}

export function badArchive(why: string): UsageError {
  return new UsageError(
    `not a valid feather-tenant export: ${why}; nothing was changed`,
    'make the archive with `feather-tenant export NAME` and check that the transfer was complete',
  );
}

const SHA256 = /^[0-9a-f]{64}$/;

/** Parses and checks a manifest; any problem is a UsageError (exit 2) saying what is wrong. */
export function parseManifest(bytes: Buffer): Manifest {
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw badArchive(`${MANIFEST_ENTRY} is not valid JSON`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw badArchive(`${MANIFEST_ENTRY} is not a JSON object`);
  const m = v as Record<string, unknown>;
  if (m.format !== FORMAT) throw badArchive(`${MANIFEST_ENTRY} is not a ${FORMAT} manifest (format ${JSON.stringify(m.format)})`);
  if (m.formatVersion !== FORMAT_VERSION) {
    const newer = typeof m.formatVersion === 'number' && m.formatVersion > FORMAT_VERSION;
    throw new UsageError(
      `archive format version ${JSON.stringify(m.formatVersion)} is not supported (this feather-tenant reads version ${FORMAT_VERSION}); nothing was changed`,
      newer ? 'upgrade feather-tenant on this server to the version that made the export' : 'export again with this version of feather-tenant',
    );
  }
  const problem = manifestProblem(m);
  if (problem) throw badArchive(`${MANIFEST_ENTRY}: ${problem}`);
  return m as unknown as Manifest;
}

function manifestProblem(m: Record<string, unknown>): string | undefined {
  const str = (k: string) => {
    const v = m[k];
    return typeof v === 'string' && v.length > 0;
  };
  if (!str('tenant') || nameProblem(m.tenant as string)) return `bad tenant name ${JSON.stringify(m.tenant)}`;
  for (const k of ['image', 'createdAt', 'exportedAt', 'sourceHost', 'exporter']) if (!str(k)) return `${k} is missing`;
  for (const k of ['createdAt', 'exportedAt']) if (Number.isNaN(Date.parse(m[k] as string))) return `${k} is not a date`;
  const imageWhy = imageProblem(m.image as string);
  if (imageWhy) return `image ${JSON.stringify(m.image)} is not an image reference: ${imageWhy}`;
  if (m.passwordHash !== null) {
    if (typeof m.passwordHash !== 'string') return 'passwordHash is not a scrypt hash';
    // Checked before anything is created: the login gate would run whatever scrypt this asks for.
    const problem = scryptHashProblem(m.passwordHash);
    if (problem) return `passwordHash: ${problem}`;
  }
  if (typeof m.live !== 'boolean') return 'live is missing';
  const l = m.limits as Record<string, unknown> | null | undefined;
  if (!l || typeof l.cpus !== 'string' || typeof l.memory !== 'string' || !Number.isInteger(l.pids)) return 'limits are missing';
  const vol = m.volume as Record<string, unknown> | null | undefined;
  if (!vol || !Number.isSafeInteger(vol.bytes) || (vol.bytes as number) < 0) return 'volume.bytes is missing';
  if (typeof vol.sha256 !== 'string' || !SHA256.test(vol.sha256)) return 'volume.sha256 is missing';
  return undefined;
}
