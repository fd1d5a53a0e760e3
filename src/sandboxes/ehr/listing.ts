import type { ReceivedItem } from './store.js';

/**
 * The receiver's listing: pages of small summaries. Message texts can be tens of megabytes
 * (a document in base64, or garbage); a listing that inlined them took a process to 4 GB.
 */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
/** Characters of the elided message text shown per item in a listing. */
export const PREVIEW_CHARS = 4096;

export type ReceivedSummary = Omit<ReceivedItem, 'raw' | 'rawElided'> & { rawElided: string; rawElidedTruncated: boolean; rawChars: number };

export function summarise(item: ReceivedItem): ReceivedSummary {
  const { raw, rawElided, ...rest } = item;
  const truncated = rawElided.length > PREVIEW_CHARS;
  return { ...rest, rawElided: truncated ? rawElided.slice(0, PREVIEW_CHARS) : rawElided, rawElidedTruncated: truncated, rawChars: raw.length };
}

/**
 * `?limit=1..500` (default 50), `?before=<seq>` (the previous page's `nextBefore`) and
 * `?type=<MSH-9.1^MSH-9.2>` (e.g. `SIU^S12`, `ADT^A04`, `ORU^R01`, `JSON`).
 */
export function listQuery(query: unknown): { ok: true; value: { limit: number; before?: number; type?: string } } | { ok: false; error: string } {
  const q = (query ?? {}) as Record<string, unknown>;
  const int = (v: unknown): number | undefined => (typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : undefined);
  let limit = DEFAULT_PAGE_SIZE;
  if (q.limit !== undefined) {
    const n = int(q.limit);
    if (n === undefined || n < 1 || n > MAX_PAGE_SIZE) return { ok: false, error: `limit must be an integer from 1 to ${MAX_PAGE_SIZE}` };
    limit = n;
  }
  let type: string | undefined;
  if (q.type !== undefined) {
    if (typeof q.type !== 'string' || !/^[A-Z0-9]{1,8}(\^[A-Z0-9]{1,8})?$/.test(q.type)) {
      return { ok: false, error: 'type must be a message type such as SIU^S12, ADT^A04, ORU^R01 or JSON' };
    }
    type = q.type;
  }
  const filter = type === undefined ? {} : { type };
  if (q.before === undefined) return { ok: true, value: { limit, ...filter } };
  const before = int(q.before);
  if (before === undefined) return { ok: false, error: 'before must be the nextBefore of a previous page' };
  return { ok: true, value: { limit, before, ...filter } };
}
