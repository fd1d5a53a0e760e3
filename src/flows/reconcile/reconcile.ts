import type { Appointment, Patient } from '@medplum/fhirtypes';
import { IDENTIFIER_SYSTEMS } from '../../domain/identifiers.js';
import { SYSTEMS } from '../../links/link-store.js';
import type { Db } from '../../store/db.js';
import { count, emptySummary, type FieldDifference, type Finding, type FindingKind, type ReconcileSummary, type ReconcileType } from './findings.js';
import type { Owners } from './owners.js';
import { projectionOf, type Projected } from './projection.js';

/**
 * Streaming reconciliation of one record type between the EMR and OnCall (issue 9,
 * "Reconciliation").
 *
 * Memory: the two systems are never held at once. OnCall is listed first into a compact index
 * (object URL -> one packed string of the EMR id it holds and the normalised projection: a few
 * hundred bytes an entry with the Map's own cost, tens of MB for 100,000 records), then the EMR is streamed page by page and
 * each record is joined and compared as it arrives; links are read per batch of 1,000 EMR
 * records (while the next page is read), not loaded whole. What the index still holds at the
 * end is missing in the EMR. Findings other than "in sync" go to `onFinding` as they are made
 * (the CLI writes them to the CSV at once).
 *
 * Join order, as the issue asks: the link rows (both directions: EMR -> OnCall written by the
 * forward sync, OnCall -> EMR by the sync back), then the OnCall URL the EMR record holds as an
 * identifier, then the EMR id OnCall holds (roster custom field / appointment metadata). Two
 * OnCall records holding one EMR id are `duplicated`.
 */
export interface ReconcileProgress {
  phase: 'oncall' | 'emr' | 'done';
  /** Records read so far on each side. */
  emr: number;
  oncall: number;
  /** What OnCall said its listing holds (after the first page). */
  oncallTotal?: number;
}

export interface ReconcileInput {
  type: ReconcileType;
  /** EMR records as FHIR (Patient for contacts, Appointment for appointments). */
  emr: AsyncIterable<Patient | Appointment>;
  /** OnCall records as listed (contacts or appointments), already read as canonical FHIR. */
  oncall: AsyncIterable<OncallRecord>;
  db: Db;
  owners: Owners;
  onFinding?: (f: Finding) => void | Promise<void>;
  onProgress?: (p: ReconcileProgress) => void;
  signal?: AbortSignal;
  /** Filled as the run goes (a page shows the counts live); a new one when absent. */
  summary?: ReconcileSummary;
}

/** One OnCall record: its URL, the EMR id it holds, and itself as canonical FHIR. */
export interface OncallRecord {
  url: string;
  emrId: string | undefined;
  resource: Patient | Appointment;
  /** The listing's total, when known (progress only). */
  total?: number;
}

const SEP = '\u001f';
const CLAIMED = '';
const BATCH = 1000;

export async function reconcile(input: ReconcileInput): Promise<ReconcileSummary> {
  const record = input.type === 'contacts' ? 'patient' : 'appointment';
  const summary = input.summary ?? emptySummary();
  const progress: ReconcileProgress = { phase: 'oncall', emr: 0, oncall: 0 };
  let n = 0;
  const emit = async (f: Omit<Finding, 'n'>): Promise<void> => {
    count(summary, f.kind);
    if (f.kind === 'in-sync') return;
    n++;
    await input.onFinding?.({ n, ...f });
  };

  // ---- 1. OnCall into the compact index --------------------------------------------------
  const index = new Map<string, string>();
  const byEmrId = new Map<string, string | string[]>();
  for await (const r of input.oncall) {
    input.signal?.throwIfAborted();
    const p = projectionOf(input.type, r.resource);
    index.set(r.url, [r.emrId ?? '', ...p.values].join(SEP));
    if (r.emrId) {
      const had = byEmrId.get(r.emrId);
      byEmrId.set(r.emrId, had === undefined ? r.url : Array.isArray(had) ? [...had, r.url] : [had, r.url]);
    }
    progress.oncall++;
    if (r.total !== undefined) progress.oncallTotal = r.total;
    if (progress.oncall % 1000 === 0) input.onProgress?.({ ...progress });
  }
  input.onProgress?.({ ...progress });

  // ---- 2. EMR streamed, joined in batches -----------------------------------------------
  progress.phase = 'emr';
  // EMR records paired with nothing, by name + birth date (appointments: start + end): an OnCall
  // record left over with the same key is offered as a possible match, to link (never merged).
  const unpaired = new Map<string, string>();
  let batch: Array<Patient | Appointment> = [];
  // One batch is joined while the next EMR page is read (batches stay in order: the one before
  // is awaited first), so the links' round trip does not add to the EMR's.
  let joining: Promise<void> = Promise.resolve();
  const flush = async (): Promise<void> => {
    await joining;
    if (batch.length === 0) return;
    const taken = batch;
    batch = [];
    joining = (async () => {
      const links = await linksFor(input.db, record, taken.map((r) => r.id as string));
      for (const resource of taken) await joinOne(resource, links.get(resource.id as string) ?? []);
      input.onProgress?.({ ...progress });
    })();
    // A failure surfaces at the next flush or at the end; never an unhandled rejection meanwhile.
    joining.catch(() => undefined);
  };

  const joinOne = async (resource: Patient | Appointment, linked: string[]): Promise<void> => {
    const emrId = resource.id as string;
    const held = (resource.identifier ?? []).filter((i) => i.system === IDENTIFIER_SYSTEMS.oncallUrl && i.value).map((i) => i.value as string);
    const claimsId = byEmrId.get(emrId);
    const holdingEmrId = claimsId === undefined ? [] : Array.isArray(claimsId) ? claimsId : [claimsId];
    const candidates: Array<{ url: string; by: 'link' | 'identifier' | 'emr-id' }> = [
      ...linked.map((url) => ({ url, by: 'link' as const })),
      ...held.map((url) => ({ url, by: 'identifier' as const })),
      ...holdingEmrId.map((url) => ({ url, by: 'emr-id' as const })),
    ];
    const present: typeof candidates = [];
    for (const c of candidates) {
      const v = index.get(c.url);
      if (v !== undefined && v !== CLAIMED && !present.some((x) => x.url === c.url)) present.push(c);
    }
    if (present.length === 0) {
      const key = matchKey(input.type, projectionOf(input.type, resource).values);
      if (key && !unpaired.has(key)) unpaired.set(key, emrId);
      const gone = candidates.length > 0 && candidates.every((c) => !index.has(c.url));
      await emit({
        kind: 'missing-in-oncall',
        emrId,
        oncallUrl: null,
        ...(gone ? { note: `the ${input.type === 'contacts' ? 'contact' : 'appointment'} it was paired with is no longer in OnCall` } : {}),
      });
      return;
    }
    const primary = present[0]!;
    const dupes = present.slice(1).filter((c) => holdingEmrId.includes(c.url));
    if (dupes.length > 0) {
      for (const c of [primary, ...dupes]) index.set(c.url, CLAIMED);
      const urls = [primary.url, ...dupes.map((c) => c.url)];
      await emit({ kind: 'duplicated', emrId, oncallUrl: primary.url, oncallUrls: urls, joinedBy: primary.by });
      return;
    }
    const packed = index.get(primary.url) as string;
    index.set(primary.url, CLAIMED);
    const fields = differences(record, projectionOf(input.type, resource), packed, input.owners);
    await emit(
      fields.length === 0
        ? { kind: 'in-sync', emrId, oncallUrl: primary.url, joinedBy: primary.by }
        : { kind: 'different', emrId, oncallUrl: primary.url, fields, joinedBy: primary.by },
    );
  };

  for await (const resource of input.emr) {
    input.signal?.throwIfAborted();
    if (!resource.id) continue;
    progress.emr++;
    batch.push(resource);
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  await joining;

  // ---- 3. what no EMR record claimed --------------------------------------------------------
  for (const [url, packed] of index) {
    if (packed === CLAIMED) continue;
    const [held, ...values] = packed.split(SEP);
    const key = matchKey(input.type, values);
    const maybe = key ? unpaired.get(key) : undefined;
    await emit({
      kind: 'missing-in-emr',
      emrId: null,
      oncallUrl: url,
      ...(held ? { note: 'OnCall holds an EMR id that the EMR does not have' } : {}),
      ...(maybe ? { possibleMatch: maybe } : {}),
    });
  }
  progress.phase = 'done';
  input.onProgress?.({ ...progress });
  return summary;
}

/** Contacts: last name, first name, birth date (all three known); appointments: start and end. */
function matchKey(type: ReconcileType, values: readonly string[]): string | undefined {
  const parts = type === 'contacts' ? values.slice(0, 3) : values.slice(0, 2);
  return parts.every((v) => v !== '') ? parts.join(SEP) : undefined;
}

function differences(record: 'patient' | 'appointment', emr: Projected, packed: string, owners: Owners): FieldDifference[] {
  const oncall = packed.split(SEP).slice(1);
  const out: FieldDifference[] = [];
  emr.fields.forEach((field, i) => {
    const e = emr.values[i] ?? '';
    const o = oncall[i] ?? '';
    if (e !== o) out.push({ field, emr: e || null, oncall: o || null, owner: owners.ownerOf(record, field) });
  });
  return out;
}

/**
 * EMR id -> linked OnCall URLs for a batch, forward links first. Two queries, each on its own
 * index (links_source_idx, links_target_idx): one OR across both would scan the table per batch.
 */
async function linksFor(db: Db, kind: 'patient' | 'appointment', ids: string[]): Promise<Map<string, string[]>> {
  const [forward, reverse] = await Promise.all([
    db.selectFrom('links').select(['source_id as emr', 'target_id as url']).where('kind', '=', kind).where('source_system', '=', SYSTEMS.emr).where('source_id', 'in', ids).where('target_system', '=', SYSTEMS.oncall).execute(),
    db.selectFrom('links').select(['target_id as emr', 'source_id as url']).where('target_system', '=', SYSTEMS.emr).where('target_id', 'in', ids).where('kind', '=', kind).where('source_system', '=', SYSTEMS.oncall).execute(),
  ]);
  const out = new Map<string, string[]>();
  for (const r of [...forward, ...reverse]) {
    const list = out.get(r.emr) ?? [];
    if (!list.includes(r.url)) list.push(r.url);
    out.set(r.emr, list);
  }
  return out;
}

export type { FindingKind };
