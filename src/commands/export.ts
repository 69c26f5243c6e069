import { hostname } from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Context } from '../runtime/context.js';
import { withLock } from '../tenant/lock.js';
import { requireActive } from '../tenant/require.js';
import { OperationError } from '../core/errors.js';
import { validateName } from '../core/names.js';
import { archiveChunks } from '../transfer/archive-writer.js';
import { renderSummaries } from '../transfer/summaries-entry.js';
import { MAX_SUMMARIES_PER_TENANT } from '../core/summary.js';
import { FORMAT, FORMAT_VERSION, type Manifest } from '../transfer/manifest.js';
import type { ArchiveOutput } from '../transfer/output.js';
import type { Progress } from '../transfer/progress.js';
import { createSpool } from '../transfer/spool.js';

export interface ExportOptions {
  name: string;
  output: ArchiveOutput;
  /** Do not stop a running tenant (the copy may then be inconsistent). */
  live: boolean;
  progress?: Progress | undefined;
  /** "feather-tenant 1.2.3", recorded in the manifest. */
  exporter: string;
  sourceHost?: string | undefined;
}

export interface ExportResult {
  name: string;
  output: string;
  volumeBytes: number;
  sha256: string;
  /** How long the tenant was stopped for the copy (ms); 0 when it was not running or --live. */
  stoppedMs: number;
}

/**
 * Export a tenant as one verified archive (see transfer/archive-writer.ts): spool the volume
 * while the tenant is stopped, start it again at once, then stream manifest, volume and sums.
 * On any failure the output is abandoned (a file output never takes its final name).
 */
export async function exportTenant(ctx: Context, opts: ExportOptions): Promise<ExportResult> {
  try {
    return await exportTo(ctx, opts);
  } catch (err) {
    opts.progress?.end();
    await opts.output.abort();
    throw err;
  }
}

async function exportTo(ctx: Context, opts: ExportOptions): Promise<ExportResult> {
  const c = ctx.config;
  const name = validateName(opts.name);
  const row = requireActive(ctx, name);
  const [copyVolume, state] = await Promise.all([ctx.backend.prepareExport(ctx, row), ctx.backend.state(ctx, row)]);

  const out = opts.output;
  const spool = await createSpool(c.stateDir);
  const p = opts.progress;
  try {
    ctx.checkpoint('export:begin');
    const stop = state === 'running' && !opts.live;
    if (state === 'running' && opts.live) ctx.log(`warning: --live: ${name} keeps running, so files it writes during the export may be copied half-written`);
    let stoppedMs = 0;
    const t0 = ctx.now();
    // The stop-copy-start holds the tenant's lock, so no passwd, stop or start runs in between.
    const copied = await withLock(ctx, name, 'export', async () => {
      try {
        if (stop) {
          ctx.log(`stopping ${name} for a consistent copy`);
          await ctx.backend.stop(ctx, row);
        }
        return await copyVolume(spool.path, (n) => p?.update('copying volume', n));
      } finally {
        p?.end();
        if (stop) {
          await ctx.backend.start(ctx, row);
          stoppedMs = ctx.now() - t0;
          ctx.log(`started ${name} again (stopped for ${(stoppedMs / 1000).toFixed(1)} s)`);
        }
      }
    });
    ctx.checkpoint('export:copied');
    const { bytes, sha256 } = copied;
    const manifest: Manifest = {
      format: FORMAT,
      formatVersion: FORMAT_VERSION,
      tenant: name,
      image: row.image,
      limits: { cpus: c.cpus, memory: c.memory, pids: c.pids },
      passwordHash: row.passwordHash,
      createdAt: new Date(row.createdAt).toISOString(),
      exportedAt: new Date(ctx.now()).toISOString(),
      sourceHost: opts.sourceHost ?? hostname(),
      live: opts.live && state === 'running',
      volume: { bytes, sha256 },
      exporter: opts.exporter,
    };
    const mtime = Math.floor(ctx.now() / 1000);
    try {
      // A checkpoint a chunk: an interrupt stops the export here too, and the file is abandoned.
      const onBytes = (n: number) => {
        ctx.checkpoint('export:writing');
        p?.update('writing archive', n, bytes);
      };
      // Only when there are any: the archive of a tenant that never pushed one is as before, so an
      // older feather-tenant still imports it.
      const list = ctx.summaries().last(name, MAX_SUMMARIES_PER_TENANT);
      const summaries = list.length > 0 ? renderSummaries(list) : undefined;
      await pipeline(Readable.from(archiveChunks(manifest, spool.path, mtime, onBytes, summaries)), out.stream);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE') {
        throw new OperationError(`the archive's reader went away before the end (broken pipe): ${out.describe} is incomplete`, 'see the importing side for its error');
      }
      if (code) throw new OperationError(`cannot write the archive to ${out.describe}: ${code}`);
      throw err;
    }
    p?.end();
    await out.commit();
    ctx.log(`exported ${name} to ${out.describe}: volume ${bytes} bytes, sha256 ${sha256}`);
    return { name, output: out.describe, volumeBytes: bytes, sha256, stoppedMs };
  } finally {
    await spool.remove();
  }
}
