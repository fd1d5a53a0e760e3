import { MESSAGE_STATUSES, type MessageStatus } from '../../messages/types.js';

/** A wrong option value: the command prints it and exits 2 (bad usage or input). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The selection options `messages list` and `messages reprocess` share. */
export interface SelectionOpts {
  status?: string;
  type?: string;
  patient?: string;
  channel?: string;
  since?: string;
  before?: string;
}

export interface Selection {
  status?: MessageStatus;
  messageType?: string;
  event?: string;
  patientId?: string;
  channel?: string;
  since?: string;
  before?: string;
}

/** `ADT`, `ADT^A08` or `ADT_A08`, as the API takes it (MSH-9 and message structure spellings). */
const TYPE = /^([A-Za-z0-9]{3})(?:[\^_]([A-Za-z0-9]{3}))?$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?$/;
/** `30m`, `2h`, `7d`: that long ago (what someone looking into last night's failures types). */
const AGO = /^(\d{1,6})\s*(m|min|h|d)$/i;
const UNIT_MS: Record<string, number> = { m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A time option as the store's ISO text (UTC, milliseconds), so text comparison is time order.
 * A date or date-time without a zone is UTC, as in the API.
 */
export function parseTime(v: string, option: string, now = Date.now()): string {
  const ago = AGO.exec(v.trim());
  if (ago) return new Date(now - Number(ago[1]) * UNIT_MS[ago[2]!.toLowerCase()]!).toISOString();
  const s = v.trim().replace(' ', 'T');
  if (ISO_TIME.test(s)) {
    const t = Date.parse(s.length === 10 ? `${s}T00:00:00Z` : /[Zz]|[+-]\d{2}:\d{2}$/.test(s) ? s : `${s}Z`);
    if (!Number.isNaN(t)) return new Date(t).toISOString();
  }
  throw new UsageError(`${option} takes a date-time such as 2026-01-31T08:00:00Z, a date, or a time ago such as 2h or 7d`);
}

export function parseSelection(o: SelectionOpts): Selection {
  const sel: Selection = {};
  if (o.status !== undefined) {
    // The table says "waiting" for `received`: either word selects them.
    const status = o.status.trim().toLowerCase() === 'waiting' ? 'received' : o.status.trim().toLowerCase();
    if (!(MESSAGE_STATUSES as readonly string[]).includes(status)) throw new UsageError(`--status is one of ${MESSAGE_STATUSES.join(', ')} (received is also called waiting)`);
    sel.status = status as MessageStatus;
  }
  if (o.type !== undefined) {
    const m = TYPE.exec(o.type.trim());
    if (!m) throw new UsageError('--type is a message type such as ADT, or with its event: ADT^A08');
    sel.messageType = m[1]!.toUpperCase();
    if (m[2]) sel.event = m[2].toUpperCase();
  }
  // The patient id is never repeated in an error: it is patient data.
  if (o.patient !== undefined) {
    if (o.patient.trim() === '') throw new UsageError('--patient is empty');
    sel.patientId = o.patient.trim();
  }
  if (o.channel !== undefined) {
    if (o.channel.trim() === '') throw new UsageError('--channel is empty');
    sel.channel = o.channel.trim();
  }
  if (o.since !== undefined) sel.since = parseTime(o.since, '--since');
  if (o.before !== undefined) sel.before = parseTime(o.before, '--before');
  return sel;
}

/**
 * Message ids as typed (`12 15 18`, or `12,15,18`); a word that is not one is a usage error,
 * not quoted (it might be a patient id typed in the wrong place).
 */
export function parseIds(words: string[]): number[] {
  const ids: number[] = [];
  for (const w of words.flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean)) {
    if (!/^\d{1,15}$/.test(w) || Number(w) < 1) throw new UsageError('message ids are positive numbers, as messages list prints them');
    ids.push(Number(w));
  }
  return [...new Set(ids)];
}

export function parseLimit(v: string | undefined, max: number): number {
  if (v === undefined) return 50;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) throw new UsageError(`--limit is a number from 1 to ${max.toLocaleString('en')}`);
  return Number(v);
}
