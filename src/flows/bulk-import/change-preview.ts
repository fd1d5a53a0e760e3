import type { Db } from '../../store/db.js';
import type { XrefStore } from '../../store/repos/xrefs.js';
import type { RecordType } from '../../domain/identifiers.js';
import { fieldDefinition } from './mapping/fields.js';
import type { ImportRecord } from './mapping/import-record.js';
import { lineName } from './change-preview-line.js';
import type { RunRow } from './run-store.js';
import { decideExisting } from './existing-record-decision.js';
import { scanExisting } from './scan-existing.js';
import { scopedKey } from './scoped-key.js';
import type { ImportTarget } from './targets/import-target.js';

/**
 * What a run would do, line by line, before it starts: the wizard's preview, `GET
 * /api/imports/:id/preview` and `ehr-bridge import --dry-run` all show this one object.
 *
 * It takes the run's own path without its writes: the platform's existing records are listed
 * with `scanExisting` (nothing kept), each row is looked up as a chunk looks it up (the key
 * within its clinic first, then the bare key), and each record found is compared with the
 * target's own `diff`. Then `decideExisting` (existing-record-decision.ts), the function the run's
 * `compare()` acts on, says what becomes of it. Nothing is sent to the platform but GETs.
 *
 * Bounded: rows are read a page at a time, samples are capped, and field groups are capped;
 * only the platform's listing (EMR id → URL) is held, as the run's own scan holds it.
 */

export const CHANGE_KINDS = ['create', 'update', 'unchanged', 'notUpdated', 'move', 'otherClinic', 'leftOut'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** One value the run would write: the field's label as the pages show it, and the new value. */
export interface FieldChange {
  field: string;
  label: string;
  to: string;
}

export interface ChangeSample {
  line: number;
  /** The patient's name (contacts) or the appointment's title; null when the line has none. */
  name: string | null;
  emrId: string | null;
  /** For update / notUpdated / move: what would change. */
  changes?: FieldChange[];
  /** For otherClinic / move: the clinic the record is in now (an OnCall division path). */
  clinic?: string;
  /** For leftOut: why, in words (never the cell value). */
  reason?: string;
}

/** "phone, e-mail: 12 lines". */
export interface FieldGroup {
  labels: string[];
  lines: number;
}

export interface ChangePreview {
  recordType: string;
  updateExisting: boolean;
  moveBetweenDivisions: boolean;
  totalRows: number;
  counts: Record<ChangeKind, number>;
  /** Which fields differ, grouped, for the kinds that change fields (update, notUpdated, move). */
  fieldGroups: { update: FieldGroup[]; notUpdated: FieldGroup[]; move: FieldGroup[] };
  /** Up to `sampleSize` lines per kind, in line order. */
  samples: Record<ChangeKind, ChangeSample[]>;
  /** Lines whose comparison failed (the platform did not answer): they would be tried by the run. */
  unknown: number;
}

export interface ChangePreviewDeps {
  db: Db;
  xrefs: XrefStore;
  target: ImportTarget;
  /** Platform listing: true (default) lists the platform; false trusts the cross-references already kept. */
  scan?: boolean;
  sampleSize?: number;
  /** Comparisons (GETs) in flight at once; the partner client bounds real concurrency too. */
  concurrency?: number;
}

const PAGE = 500;
const MAX_GROUPS = 20;

/** Labels of the OnCall fields a diff names, in the words of the matching screen. */
const PARTNER_FIELD_LABELS: Record<string, string> = {
  first_name: 'First name',
  last_name: 'Last name',
  name: 'Full name',
  email: 'E-mail',
  phone: 'Phone',
  date_of_birth: 'Date of birth',
  sex: 'Sex',
  notes: 'Notes',
  division: 'Clinic',
  provider: 'Provider',
  'custom fields': 'Roster fields',
  custom_field_values: 'Roster fields',
  title: 'Title',
  start: 'Start',
  duration: 'Duration (minutes)',
  type: 'Type',
  cancelled: 'Cancelled',
  metadata: 'Extra values',
  participants: 'Participants',
};

export function partnerFieldLabel(field: string): string {
  const known = PARTNER_FIELD_LABELS[field];
  if (known) return known;
  if (field.startsWith('new participants')) return 'New participants (cannot be added to an existing appointment)';
  const words = field.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function emptyCounts(): Record<ChangeKind, number> {
  return Object.fromEntries(CHANGE_KINDS.map((k) => [k, 0])) as Record<ChangeKind, number>;
}

function emptySamples(): Record<ChangeKind, ChangeSample[]> {
  return Object.fromEntries(CHANGE_KINDS.map((k) => [k, []])) as unknown as Record<ChangeKind, ChangeSample[]>;
}

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** The values a diff's patch would write, per changed field (best effort; a field without a plain value shows none). */
function changesOf(changed: string[], patch: unknown): FieldChange[] {
  const p = (patch ?? {}) as Record<string, unknown>;
  const flat = (p.appointment && typeof p.appointment === 'object' ? p.appointment : p) as Record<string, unknown>;
  // OnCall's `name` follows first and last name: one change, said once.
  const derived = changed.includes('first_name') || changed.includes('last_name');
  return changed.filter((f) => !(derived && f === 'name')).map((field) => {
    const key = field === 'custom fields' ? 'custom_field_values' : field;
    const value = flat[key];
    // Links (clinic, provider) and structured values (roster fields) are named, not shown.
    const plain = key !== 'division' && key !== 'provider' && (value === null || typeof value !== 'object');
    return { field, label: partnerFieldLabel(field), to: plain ? text(value) : '' };
  });
}

class Groups {
  private readonly byKey = new Map<string, FieldGroup>();
  add(labels: string[]): void {
    const key = labels.join('\u0000');
    const g = this.byKey.get(key);
    if (g) g.lines++;
    else if (this.byKey.size < MAX_GROUPS) this.byKey.set(key, { labels, lines: 1 });
    else {
      const other = this.byKey.get('\u0001') ?? { labels: ['other combinations of fields'], lines: 0 };
      other.lines++;
      this.byKey.set('\u0001', other);
    }
  }
  list(): FieldGroup[] {
    return [...this.byKey.values()].sort((a, b) => b.lines - a.lines);
  }
}

interface Pending {
  line: number;
  rowKey: string;
  record: ImportRecord;
}

export { lineName };

export async function changePreview(deps: ChangePreviewDeps, run: Pick<RunRow, 'id' | 'recordType' | 'options'>): Promise<ChangePreview> {
  const { target } = deps;
  const sampleSize = deps.sampleSize ?? 5;
  const concurrency = deps.concurrency ?? 8;
  const counts = emptyCounts();
  const samples = emptySamples();
  const groups = { update: new Groups(), notUpdated: new Groups(), move: new Groups() };
  let totalRows = 0;
  let unknown = 0;

  // The listing the run's scan would keep as cross-references: the key within its clinic and
  // the bare key (the last one listed wins that one), here in memory only.
  const listed = new Map<string, string>();
  if (deps.scan ?? true) {
    for await (const { key, url, scope } of scanExisting(deps.xrefs, target, false)) {
      listed.set(scopedKey(key, scope), url);
      listed.set(key, url);
    }
  }

  const note = (kind: ChangeKind, sample: () => ChangeSample) => {
    counts[kind]++;
    if (samples[kind].length < sampleSize) samples[kind].push(sample());
  };
  const base = (p: { line: number; record: ImportRecord }) => ({ line: p.line, name: lineName(run.recordType, p.record), emrId: (p.record.emrId ?? '').trim() || null });

  const decide = async (p: Pending, payload: unknown, url: string): Promise<void> => {
    let diff: Awaited<ReturnType<ImportTarget['diff']>>;
    try {
      diff = await target.diff(url, payload);
    } catch {
      unknown++;
      return;
    }
    const decision = decideExisting(diff, run.options);
    if (decision === 'recreate') return note('create', () => base(p));
    if (diff === 'gone' || !diff) return note('unchanged', () => base(p));
    const changes = changesOf(diff.changed, diff.patch);
    switch (decision) {
      case 'otherClinic':
        return note('otherClinic', () => ({ ...base(p), clinic: diff.fromScope! }));
      case 'move':
        groups.move.add(changes.map((c) => c.label));
        return note('move', () => ({ ...base(p), clinic: diff.fromScope!, changes }));
      case 'notUpdated':
        groups.notUpdated.add(changes.map((c) => c.label));
        return note('notUpdated', () => ({ ...base(p), changes }));
      default:
        groups.update.add(changes.map((c) => c.label));
        return note('update', () => ({ ...base(p), changes }));
    }
  };

  const page = async (rows: Pending[]) => {
    const work: { p: Pending; payload: unknown; scoped: string }[] = [];
    for (const p of rows) {
      try {
        const payload = target.prepare(p.record);
        work.push({ p, payload, scoped: scopedKey(p.rowKey, target.scopeOf(payload)) });
      } catch (e) {
        note('leftOut', () => ({ ...base(p), reason: `cannot build the ${target.kind}: ${(e as Error).message}` }));
      }
    }
    const wanted = [...new Set(work.flatMap((w) => [w.scoped, w.p.rowKey]))].filter((k) => !listed.has(k));
    const kept = wanted.length ? await deps.xrefs.getMany(target.target, target.kind, wanted) : new Map();
    const urlOf = (k: string) => listed.get(k) ?? kept.get(k)?.partnerUrl;
    const compare: (() => Promise<void>)[] = [];
    for (const w of work) {
      const url = urlOf(w.scoped) ?? urlOf(w.p.rowKey);
      if (!url) note('create', () => base(w.p));
      else compare.push(() => decide(w.p, w.payload, url));
    }
    // Line order in the samples is kept by deciding in order within small groups.
    for (let i = 0; i < compare.length; i += concurrency) await Promise.all(compare.slice(i, i + concurrency).map((f) => f()));
  };

  let after = -1;
  for (;;) {
    const rows = await deps.db
      .selectFrom('import_rows')
      .select(['line', 'row_key', 'status', 'record', 'errors'])
      .where('run_id', '=', run.id)
      .where('line', '>', after)
      .orderBy('line')
      .limit(PAGE)
      .execute();
    if (!rows.length) break;
    after = Number(rows[rows.length - 1]!.line);
    const open: Pending[] = [];
    for (const r of rows) {
      totalRows++;
      const record = JSON.parse(r.record) as ImportRecord;
      const line = Number(r.line);
      if (r.status === 'invalid') {
        note('leftOut', () => ({ ...base({ line, record }), reason: problemWords(run.recordType, r.errors) }));
      } else if (r.status === 'pending' || r.status === 'in_flight') {
        open.push({ line, rowKey: r.row_key, record });
      }
    }
    await page(open);
  }
  for (const k of CHANGE_KINDS) samples[k].sort((a, b) => a.line - b.line);
  return {
    recordType: run.recordType,
    updateExisting: run.options.updateExisting,
    moveBetweenDivisions: run.options.moveBetweenDivisions,
    totalRows,
    counts,
    fieldGroups: { update: groups.update.list(), notUpdated: groups.notUpdated.list(), move: groups.move.list() },
    samples,
    unknown,
  };
}

/** A stored row's problems in words, fields named by their label ("Date of birth is not..."). */
function problemWords(recordType: string, errors: string | null): string {
  if (!errors) return 'has problems';
  const list = JSON.parse(errors) as { field?: string; message?: string; severity?: string }[];
  return list
    .filter((e) => e.severity !== 'warning')
    .map((e) => {
      const msg = e.message ?? 'invalid';
      const field = e.field ?? '';
      const label = field ? fieldDefinition(recordType as RecordType, field.replace(/\[\d+\]$/, ''))?.label : undefined;
      return label && msg.startsWith(field) ? label + msg.slice(field.length) : msg;
    })
    .join('; ');
}

const KIND_WORDS: Record<ChangeKind, string> = {
  create: 'would be created',
  update: 'would be updated',
  unchanged: 'already up to date, left as they are',
  notUpdated: 'already there with other values, not updated ("update existing" / --update is off)',
  move: 'would be moved from another clinic into this one',
  otherClinic: 'exist in another clinic, not moved',
  leftOut: 'would be left out (with problems)',
};

/**
 * The preview in plain lines, for the terminal (`ehr-bridge import --dry-run`): one line per
 * kind that has lines, its field groups, and its sample lines.
 */
export function describeChangePreview(preview: ChangePreview): string[] {
  const out: string[] = [];
  const unit = preview.recordType === 'contacts' ? 'patient' : 'appointment';
  out.push(`(dry run) ${preview.totalRows} line(s) read; nothing was sent. A run would do this:`);
  for (const kind of CHANGE_KINDS) {
    const n = preview.counts[kind];
    if (!n && kind !== 'create') continue;
    out.push(`  ${n} ${unit}(s) ${KIND_WORDS[kind]}`);
    const g = kind === 'update' || kind === 'notUpdated' || kind === 'move' ? preview.fieldGroups[kind] : [];
    for (const group of g) out.push(`      ${group.labels.join(', ')}: ${group.lines} line(s)`);
    for (const s of preview.samples[kind]) {
      const who = [s.name, s.emrId ? `EMR id ${s.emrId}` : null].filter(Boolean).join(', ');
      const what = s.reason ?? (s.changes?.length ? s.changes.map((c) => (c.to ? `${c.label} → ${c.to}` : c.label)).join('; ') : '');
      const clinic = s.clinic ? ` (now in ${s.clinic})` : '';
      out.push(`      line ${s.line}${who ? ` ${who}` : ''}${clinic}${what ? `: ${what}` : ''}`);
    }
    if (n > preview.samples[kind].length) out.push(`      … and ${n - preview.samples[kind].length} more`);
  }
  if (preview.unknown) out.push(`  ${preview.unknown} line(s) could not be compared (the platform did not answer); a run would try them again`);
  return out;
}
