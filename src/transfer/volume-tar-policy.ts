import type { TarEntry } from './tar-scanner.js';

// What an imported volume.tar may hold. `podman volume import` extracts as root, in place, and
// follows symlinks it created itself (see the README's "What `import` checks"), so the archive
// is judged entry by entry before any podman object exists. The rule of thumb: an import may
// create only what the user could have created in their own volume, and only inside it.
// (Over 200 lines, most of them this comment and the one per rule: the policy is read whole.)
//
// - Names: no absolute names, no `..` components; `./x`, `x` and `x/` are the same name.
// - Symlinks are data, whatever their target (a venv's `bin/python -> /usr/bin/python3`); what
//   is refused is an entry whose path goes through one, i.e. whose nearest existing parent in
//   the archive is a symlink. Podman would follow it and write wherever it points. The one
//   target refused is a relative one that climbs above the volume (`../../..`): podman's own
//   extraction stops there with "invalid symlink", half-way through, so it is refused first.
// - A name may appear once, and a directory that earlier entries were placed in (explicitly or
//   as a parent) cannot be replaced: podman would delete it and put a symlink there, and its
//   last pass (directory times) would follow that symlink. With that, a name's kind never
//   changes, so checking the nearest existing parent is enough.
// - Hard links must name a regular file that an earlier entry created: anything else links to
//   something that was not in the archive (through a symlink, a host file) or fails half-way.
// - Devices (char, block) are refused: mknod needs root, and a device node in a home is never
//   data. FIFOs are kept: anyone can mkfifo.
// - setuid and setgid on anything but a directory are refused (not stripped: stripping would
//   change the user's data without saying so): only root could have made a setuid-root file. A
//   setgid directory (group inheritance) and sticky bits are ordinary.
// - Extended attributes other than user.* are refused: security.capability is a privilege like
//   setuid, trusted.* and security.* are the system's.
// - Old GNU sparse entries ('S') and pax global headers are refused: podman's extraction fails
//   on the first and acts on the second's name; podman never writes either.
// Pure: entries in, a refusal (a sentence) or undefined out, plus the totals for the size caps.

/** Linux's PATH_MAX and NAME_MAX: podman could not create longer names. */
const MAX_PATH_BYTES = 4095;
const MAX_COMPONENT_BYTES = 255;

type Kind = 'parent' | 'dir' | 'file' | 'symlink' | 'other';

export interface PolicyLimits {
  maxEntries: number;
  /** Every name is kept until the end (for the rules above); this bounds their memory. */
  maxNameBytes: number;
}

export interface VolumeTotals {
  entries: number;
  /** Sum of the files' lengths once extracted (sparse files at their full length). */
  bytes: number;
  /** An estimate of the disk they take: files rounded up to 4 KiB blocks, 4 KiB a directory. */
  diskBytes: number;
}

/** A name for messages: the bytes as UTF-8, quoted. */
export function showName(name: string): string {
  return JSON.stringify(Buffer.from(name, 'latin1').toString('utf8'));
}

/** A name that needs more than dropping a trailing slash: "/x", "a//b", "./a", "a/../b". */
const UNUSUAL = /^\/|\/\/|(^|\/)\.\.?(\/|$)/;

/** The path the entry lands on, relative to the volume ('' is the volume itself), or why it is refused. */
export function normalizePath(raw: string): { path: string } | { problem: string } {
  if (raw.length <= MAX_COMPONENT_BYTES && !UNUSUAL.test(raw)) return { path: raw.endsWith('/') ? raw.slice(0, -1) : raw };
  if (raw.startsWith('/')) return { problem: `has an absolute name ${showName(raw)}` };
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return { problem: `has a ".." component in ${showName(raw)}` };
  const path = parts.join('/');
  if (path.length > MAX_PATH_BYTES || parts.some((p) => p.length > MAX_COMPONENT_BYTES)) return { problem: `has a name too long for Linux: ${showName(raw.slice(0, 80))}...` };
  return { path };
}

/** Whether a relative symlink target, resolved lexically from the link's directory, leaves the volume (podman's check). */
function climbsOut(path: string, target: string): boolean {
  if (target.startsWith('/')) return false;
  let depth = path.split('/').length - 1;
  for (const c of target.split('/')) {
    if (c === '..') {
      if (--depth < 0) return true;
    } else if (c !== '' && c !== '.') {
      depth++;
    }
  }
  return false;
}

const BLOCK = 4096;
const roundUp = (n: number) => Math.ceil(n / BLOCK) * BLOCK;

export class VolumeTarPolicy {
  private readonly names = new Map<string, Kind>();
  private nameBytes = 0;
  readonly totals: VolumeTotals = { entries: 0, bytes: 0, diskBytes: 0 };

  constructor(private readonly limits: PolicyLimits) {}

  /** Judges the next entry; a refusal says what is wrong with it, in words for an operator. */
  check(e: TarEntry): string | undefined {
    const kindProblem = this.kindProblem(e);
    if (kindProblem) return kindProblem;
    if (++this.totals.entries > this.limits.maxEntries) {
      return `it holds more than ${this.limits.maxEntries.toLocaleString('en')} entries (FEATHER_TENANT_IMPORT_MAX_ENTRIES)`;
    }
    const n = normalizePath(e.name);
    if ('problem' in n) return `an entry ${n.problem}`;
    const { path } = n;
    // Built only for a refusal: showName costs more than the rest of a check.
    const what = () => `entry ${showName(e.name)}`;
    if (path === '') return e.kind === 'dir' ? undefined : `${what()} would replace the volume's own directory`;

    const parentProblem = this.placeParent(path);
    if (parentProblem) return `${what()} ${parentProblem}`;
    const before = this.names.get(path);
    if (before === 'parent' && e.kind !== 'dir') return `${what()} would replace a directory that earlier entries were written into`;
    if (before !== undefined && before !== 'parent') return `${what()} appears twice (names are compared after removing "./" and "/")`;
    if (e.kind !== 'dir' && (e.mode & 0o6000) !== 0) {
      return `${what()} is ${(e.mode & 0o4000) !== 0 ? 'setuid' : 'setgid'} (mode ${(e.mode & 0o7777).toString(8)}); only root could have made it`;
    }
    const xattr = e.xattrs.find((x) => !x.startsWith('user.'));
    if (xattr !== undefined) return `${what()} carries the extended attribute ${showName(xattr)}; only user.* attributes are imported`;
    if (e.kind === 'symlink' && climbsOut(path, e.linkname)) {
      return `${what()} is a relative symlink pointing above the volume (${showName(e.linkname)}), which podman refuses to extract`;
    }
    if (e.kind === 'hardlink') {
      const target = normalizePath(e.linkname);
      if ('problem' in target) return `${what()} is a hard link that ${target.problem}`;
      if (this.names.get(target.path) !== 'file') {
        return `${what()} is a hard link to ${showName(e.linkname)}, which is not a regular file earlier in the archive`;
      }
    }

    const kind: Kind = e.kind === 'dir' ? 'dir' : e.kind === 'file' || e.kind === 'hardlink' ? 'file' : e.kind === 'symlink' ? 'symlink' : 'other';
    if (before === undefined && (this.nameBytes += path.length) > this.limits.maxNameBytes) {
      return `its names take more than ${this.limits.maxNameBytes / 2 ** 20} MiB`;
    }
    this.names.set(path, kind);
    if (e.kind === 'file') {
      this.totals.bytes += e.size;
      this.totals.diskBytes += roundUp(e.size);
    } else if (e.kind === 'dir' && before === undefined) {
      this.totals.diskBytes += BLOCK;
    }
    return undefined;
  }

  private kindProblem(e: TarEntry): string | undefined {
    const what = () => `entry ${showName(e.name)}`;
    switch (e.kind) {
      case 'char':
      case 'block':
        return `${what()} is a ${e.kind} device node; podman would create it as root`;
      case 'gnu-sparse':
        return `${what()} is an old GNU sparse file (type S), which podman cannot extract; pack it with --format=pax`;
      case 'pax-global':
        return `it holds a pax global header (${showName(e.name)}); podman never writes one, and acts on its name`;
      case 'other':
        return `${what()} has the tar type ${JSON.stringify(e.typeflag)}, which podman cannot extract`;
      default:
        return undefined;
    }
  }

  /**
   * Checks the parents of `path` and records the missing ones as directories (podman creates
   * them). By the rules above every recorded directory's own parents are directories, so the
   * walk stops at the first parent already known.
   */
  private placeParent(path: string): string | undefined {
    const missing: string[] = [];
    let p = path;
    for (let i = p.lastIndexOf('/'); i !== -1; i = p.lastIndexOf('/')) {
      p = p.slice(0, i);
      const kind = this.names.get(p);
      if (kind === 'symlink') return `would be written through the symlink ${showName(p)}`;
      if (kind === 'file' || kind === 'other') return `is inside ${showName(p)}, which is not a directory`;
      if (kind !== undefined) break;
      missing.push(p);
    }
    for (const m of missing) {
      this.nameBytes += m.length;
      this.names.set(m, 'parent');
      this.totals.diskBytes += BLOCK;
    }
    return undefined;
  }
}

export interface FreeSpace {
  path: string;
  availableBytes: number;
  /** 0 when the filesystem does not count inodes (btrfs). */
  totalInodes: number;
  freeInodes: number;
}

/** Room left free after an import: podman, SQLite and the logs need it, and a full disk stops every tenant. */
export const FREE_SPACE_RESERVE = 1024 ** 3;

/** Whether the extracted volume fits where podman keeps volumes. */
export function spaceProblem(t: VolumeTotals, fs: FreeSpace): string | undefined {
  const gib = (n: number) => `${(n / 1024 ** 3).toFixed(1)} GiB`;
  if (t.diskBytes + FREE_SPACE_RESERVE > fs.availableBytes) {
    return `it would take about ${gib(t.diskBytes)} once extracted (${t.bytes.toLocaleString('en')} bytes of files), but ${fs.path} has ${gib(fs.availableBytes)} free and ${gib(FREE_SPACE_RESERVE)} must stay free`;
  }
  if (fs.totalInodes > 0 && t.entries > fs.freeInodes) {
    return `it holds ${t.entries.toLocaleString('en')} entries but ${fs.path} has ${fs.freeInodes.toLocaleString('en')} free inodes`;
  }
  return undefined;
}
