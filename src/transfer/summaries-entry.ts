import { MAX_SUMMARIES_PER_TENANT, MAX_SUMMARY_BYTES, MAX_SUMMARY_DEPTH, jsonDepth, parseSummary } from '../core/summary.js';
import type { StoredSummary } from '../store/port.js';
import { badArchive } from './manifest.js';

// Pure: the summaries.json entry of an export archive (issue 13): the summaries a tenant pushed,
// oldest first, as `[{ "receivedAt": ISO, "summary": {...} }]`. Written between volume.tar and
// SHA256SUMS, and listed in SHA256SUMS; an archive from before it has no such entry and imports
// as before. An older feather-tenant refuses an archive with it (a clear "SHA256SUMS must follow
// volume.tar"), never misreads it, so the format version stays 1.

export const SUMMARIES_ENTRY = 'summaries.json';

/** At most MAX_SUMMARIES_PER_TENANT of at most MAX_SUMMARY_BYTES each, with room for the framing. */
export const MAX_SUMMARIES_ENTRY_BYTES = MAX_SUMMARIES_PER_TENANT * (MAX_SUMMARY_BYTES + 128) + 2;

export function renderSummaries(list: readonly StoredSummary[]): Buffer {
  const items = list.map((s) => `{"receivedAt":${JSON.stringify(new Date(s.receivedAt).toISOString())},"summary":${s.body}}`);
  return Buffer.from(`[${items.join(',\n')}]\n`, 'utf8');
}

/** Parses and checks every summary as the ingest would; any problem is a bad archive (exit 2). */
export function parseSummaries(bytes: Buffer): StoredSummary[] {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw badArchive(`${SUMMARIES_ENTRY} is not UTF-8`);
  }
  // Checked before anything is re-serialised: JSON.stringify of a summary nested thousands deep
  // overflows the stack (a RangeError, exit 1), where the ingest would have answered 400.
  if (jsonDepth(text) > MAX_SUMMARY_DEPTH + 2) throw badArchive(`${SUMMARIES_ENTRY}: a summary nests more than ${MAX_SUMMARY_DEPTH} levels deep`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw badArchive(`${SUMMARIES_ENTRY} is not valid JSON`);
  }
  if (!Array.isArray(v)) throw badArchive(`${SUMMARIES_ENTRY} is not a JSON array`);
  if (v.length > MAX_SUMMARIES_PER_TENANT) throw badArchive(`${SUMMARIES_ENTRY} holds ${v.length} summaries, more than the ${MAX_SUMMARIES_PER_TENANT} kept per tenant`);
  return v.map((item: unknown, i) => {
    const o = item as Record<string, unknown> | null;
    const at = typeof o?.receivedAt === 'string' ? Date.parse(o.receivedAt) : NaN;
    if (!o || typeof o !== 'object' || Number.isNaN(at)) throw badArchive(`${SUMMARIES_ENTRY}: item ${i} has no receivedAt date`);
    const s = parseSummary(Buffer.from(JSON.stringify(o.summary ?? null), 'utf8'));
    if (!s.ok) throw badArchive(`${SUMMARIES_ENTRY}: item ${i}: ${s.error}`);
    return { receivedAt: at, body: s.text };
  });
}
