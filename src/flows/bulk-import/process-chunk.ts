import type { Logger } from 'pino';
import type { Db } from '../../store/db.js';
import { isPartnerError, PartnerError } from '../../partners/partner-error.js';
import { OutcomeUnknown, sendExactlyOnce } from '../../effects/exactly-once.js';
import { LinkStore, SYSTEMS, type Link } from '../../links/link-store.js';
import type { XrefStore } from '../../store/repos/xrefs.js';
import type { ImportRecord } from './mapping/import-record.js';
import type { RowOutcome, RunRow, RunStore, WorkRow } from './run-store.js';
import { CHUNK_SIZE, INTENT_MESSAGE, intentOf, type WriteIntent } from './run-status.js';
import { decideExisting } from './existing-record-decision.js';
import { scopedKey } from './scoped-key.js';
import type { ImportTarget } from './targets/import-target.js';

/** Thrown when the partner refused our credentials: the whole run stops with one message. */
export class RunAborted extends Error {
  override name = 'RunAborted';
}

/** Thrown at the end of a chunk that left rows to retry later (transient failures). */
export class ChunkIncomplete extends Error {
  override name = 'ChunkIncomplete';
}

export interface ChunkDeps {
  db: Db;
  runs: RunStore;
  xrefs: XrefStore;
  target: ImportTarget;
  logger: Logger;
  signal?: AbortSignal;
  /** Rows sent concurrently per batch; the partner client bounds real concurrency. */
  batchSize?: number;
  /** Batches of one chunk in flight at once (default 3). */
  batchesInFlight?: number;
  /** Wait before looking up the outcome of an ambiguous create (lets the partner finish it). */
  ambiguityDelayMs?: number;
}

/** After an ambiguous create proved not to have happened, how often we try again. */
const MAX_CREATE_TRIES = 4;

/**
 * Sends the open rows of one chunk of a run, exactly once each:
 * 1. a row with a cross-reference is compared with the partner object (skip / update);
 * 2. a row left `in_flight` by an earlier attempt is looked up first (it may exist already);
 * 3. the rest are marked `in_flight` (the durable intent) and then created;
 * 4. outcomes and cross-references are written together in one transaction per batch.
 * An ambiguous create is resolved by a lookup, never by a blind second POST; an update is
 * marked `in_flight` before its PATCH too and, when run again, confirmed by reading back.
 * Every write needs the row's intent mark, taken compare-and-set on its attempt count, so a
 * chunk run twice at once sends each write once; a row's first final outcome is never rewritten.
 */
export async function processChunk(deps: ChunkDeps, run: RunRow, chunk: number): Promise<'done' | 'stopped'> {
  const batchSize = deps.batchSize ?? 32;
  const maxBatches = deps.batchesInFlight ?? 3;
  let after = -1;
  let leftForLater = 0;
  let stopped = false;
  const status = runStatusWatcher(deps.runs, run.id);
  // Several batches in flight at once, so one slow request does not hold the others back
  // (each batch still records its intent before sending and its outcomes after).
  const running = new Set<Promise<void>>();
  const errors: unknown[] = [];
  for (;;) {
    if (deps.signal?.aborted || (await status()) !== 'running') {
      stopped = true;
      break;
    }
    const { rows, lastLine } = await deps.runs.openRowsOfChunk(run.id, chunk, CHUNK_SIZE, after, batchSize);
    if (lastLine === undefined) break;
    after = lastLine;
    if (!rows.length) continue;
    const p: Promise<void> = (async () => {
      const { outcomes, scopedKeys } = await processBatch(deps, run, rows);
      // Rows still open (a temporary failure, an unconfirmed write) make the chunk run again.
      leftForLater += outcomes.filter((o) => o.status === 'pending' || o.status === 'in_flight').length;
      await writeOutcomes(deps, run, rows, outcomes, scopedKeys);
    })()
      .catch((e: unknown) => void errors.push(e))
      .finally(() => running.delete(p));
    running.add(p);
    if (running.size >= maxBatches) await Promise.race(running);
    if (errors.length) break;
  }
  await Promise.all(running);
  if (errors.length) throw errors[0];
  if (stopped) return 'stopped';
  if (leftForLater) throw new ChunkIncomplete(`${leftForLater} row(s) hit temporary partner errors; the chunk will be retried`);
  return 'done';
}

interface Work {
  row: WorkRow;
  payload: unknown;
  emrId: string | undefined;
  /** Cross-reference key of the row within its scope (division). */
  scopedKey: string;
}

type Outcome = RowOutcome & { xrefUrl?: string };

async function processBatch(deps: ChunkDeps, run: RunRow, rows: WorkRow[]): Promise<{ outcomes: Outcome[]; scopedKeys: Map<number, string> }> {
  const outcomes: Outcome[] = [];
  const work: Work[] = [];
  for (const row of rows) {
    try {
      const payload = deps.target.prepare(row.record as ImportRecord);
      work.push({ row, payload, emrId: row.record.emrId || undefined, scopedKey: scopedKey(row.rowKey, deps.target.scopeOf(payload)) });
    } catch (e) {
      outcomes.push({ line: row.line, status: 'failed', message: `cannot build the ${deps.target.kind}: ${(e as Error).message}` });
    }
  }
  // The key within the row's division first; the bare key (any division, and what older
  // versions stored) second: compare() sees from the object itself whether it is elsewhere.
  const existing = await deps.xrefs.getMany(deps.target.target, deps.target.kind, [...new Set(work.flatMap((w) => [w.scopedKey, w.row.rowKey]))]);
  const known = (w: Work) => existing.get(w.scopedKey) ?? existing.get(w.row.rowKey);
  const toCompare = work.filter((w) => known(w));
  const fresh = work.filter((w) => !known(w));

  const results = await Promise.all([
    ...toCompare.map((w) => compare(deps, run, w, known(w)!.partnerUrl)),
    createAll(deps, run, fresh),
  ]);
  for (const r of results) outcomes.push(...(r === null ? [] : Array.isArray(r) ? r : [r]));
  return { outcomes, scopedKeys: new Map(work.map((w) => [w.row.line, w.scopedKey])) };
}

/** null: another worker holds this row's write; it records the outcome. */
async function compare(deps: ChunkDeps, run: RunRow, w: Work, url: string): Promise<Outcome | Outcome[] | null> {
  try {
    const diff = await deps.target.diff(url, w.payload);
    const decision = decideExisting(diff, run.options);
    if (decision === 'recreate') {
      // Deleted on the platform since we created it: create it again, with the same care.
      await deps.xrefs.remove(deps.target.target, deps.target.kind, w.scopedKey);
      await deps.xrefs.remove(deps.target.target, deps.target.kind, w.row.rowKey);
      return createAll(deps, run, [w]);
    }
    if (decision === 'unchanged') {
      // A row left in flight whose record the platform now shows as wanted: our interrupted
      // write landed. Which one it was is in the intent mark.
      if (w.row.status === 'in_flight') {
        const intent = intentOf(w.row.message);
        return { line: w.row.line, status: intent === 'update' ? 'updated' : 'created', partnerUrl: url, xrefUrl: url, message: `${intent}d (confirmed after an interrupted attempt)` };
      }
      return { line: w.row.line, status: 'skipped', partnerUrl: url, xrefUrl: url, message: `already in ${targetLabel(deps)}, unchanged` };
    }
    if (diff === 'gone' || !diff) throw new Error('unreachable: a decision other than recreate/unchanged has a diff');
    const fields = diff.changed.join(', ');
    switch (decision) {
      case 'otherClinic':
        return { line: w.row.line, status: 'skipped', partnerUrl: url, message: `exists in another clinic (${diff.fromScope}); not moved` };
      case 'notUpdated':
        if (run.options.dryRun) return { line: w.row.line, status: 'skipped', partnerUrl: url, message: `dry run: would leave ${fields}` };
        return { line: w.row.line, status: 'skipped', partnerUrl: url, message: `already in ${targetLabel(deps)}; differs in ${fields} (updates not requested)` };
      case 'move':
        if (run.options.dryRun) return { line: w.row.line, status: 'skipped', partnerUrl: url, message: `dry run: would move from another clinic (${diff.fromScope}) and update ${fields}` };
        break;
      case 'update':
        if (run.options.dryRun) return { line: w.row.line, status: 'skipped', partnerUrl: url, message: `dry run: would update ${fields}` };
        break;
    }
    // The intent first, as for a create: a run interrupted after the PATCH confirms it by
    // reading the record back instead of sending it again.
    const marked = await deps.runs.markInFlight(run.id, [w.row], 'update');
    if (!marked.has(w.row.line)) return null;
    try {
      await deps.target.update(url, diff.patch);
    } catch (e) {
      return failure(deps, w.row, e, 'update');
    }
    const moved = diff.fromScope ? `moved from another clinic (${diff.fromScope}); ` : '';
    return { line: w.row.line, status: 'updated', partnerUrl: url, xrefUrl: url, message: `${moved}updated ${fields}` };
  } catch (e) {
    return failure(deps, w.row, e);
  }
}

async function createAll(deps: ChunkDeps, run: RunRow, work: Work[]): Promise<Outcome[]> {
  if (!work.length) return [];
  if (run.options.dryRun) {
    return work.map((w) => ({ line: w.row.line, status: 'skipped' as const, message: 'dry run: would be created' }));
  }
  // Rows an earlier attempt left in flight may already exist: look before sending.
  const resolved = await Promise.all(
    work.map(async (w) => {
      if (w.row.status !== 'in_flight') return { w, url: null as string | null };
      try {
        return { w, url: await deps.target.find(w.payload, w.emrId) };
      } catch (e) {
        return { w, url: null, error: e };
      }
    }),
  );
  const outcomes: Outcome[] = [];
  const toSend: Work[] = [];
  for (const r of resolved) {
    if ('error' in r && r.error) outcomes.push(failure(deps, r.w.row, r.error, 'create'));
    else if (r.url) outcomes.push({ line: r.w.row.line, status: 'created', partnerUrl: r.url, xrefUrl: r.url, message: 'created (confirmed after an interrupted attempt)' });
    else toSend.push(r.w);
  }
  const marked = await deps.runs.markInFlight(run.id, toSend.map((w) => w.row), 'create');
  outcomes.push(...(await Promise.all(toSend.filter((w) => marked.has(w.row.line)).map((w) => createOne(deps, w)))));
  return outcomes;
}

async function createOne(deps: ChunkDeps, w: Work): Promise<Outcome> {
  // The shared exactly-once rule (src/effects/): an ambiguous create is looked up, never resent blindly.
  let ambiguousSeen = false;
  try {
    const r = await sendExactlyOnce({
      send: () => deps.target.create(w.payload),
      lookup: () => {
        ambiguousSeen = true;
        return deps.target.find(w.payload, w.emrId);
      },
      settleMs: deps.ambiguityDelayMs ?? 1000,
      maxAmbiguous: MAX_CREATE_TRIES,
    });
    const message = r.how === 'sent' ? null : 'created (confirmed by lookup after a timeout)';
    return { line: w.row.line, status: 'created', partnerUrl: r.record, xrefUrl: r.record, message };
  } catch (e) {
    // Still unknown: keep the intent so the next attempt looks it up again.
    if (e instanceof OutcomeUnknown) {
      return { line: w.row.line, status: 'in_flight', message: `${INTENT_MESSAGE.create}; no answer from the partner; will be checked and retried` };
    }
    // A failed lookup after an ambiguous answer: the create may have landed; the intent stays.
    return failure(deps, w.row, e, ambiguousSeen ? 'create' : undefined);
  }
}

/** Maps a failure to the row's outcome. Auth failures stop the whole run. */
/** `inFlight`: the write this worker marked the row for (the row stays in flight on a temporary failure). */
function failure(deps: ChunkDeps, row: WorkRow, e: unknown, inFlight?: WriteIntent): RowOutcome {
  if (isPartnerError(e)) {
    if (e.kind === 'auth') throw new RunAborted(e.message);
    if (e.kind === 'permanent') return { line: row.line, status: 'failed', message: partnerMessage(e) };
    // Transient (retries exhausted) or ambiguous lookups: nothing final; retried with the chunk.
    // A row in flight keeps its intent mark in front, so the retry knows what to confirm.
    if (inFlight || row.status === 'in_flight') {
      return { line: row.line, status: 'in_flight', message: `${INTENT_MESSAGE[inFlight ?? intentOf(row.message)]}; temporary failure: ${e.message}` };
    }
    return { line: row.line, status: 'pending', message: `temporary failure: ${e.message}` };
  }
  deps.logger.error({ err: { name: (e as Error)?.name, message: (e as Error)?.message }, line: row.line }, 'import: unexpected error on a row');
  return { line: row.line, status: 'pending', message: 'internal error; will be retried' };
}

function partnerMessage(e: PartnerError): string {
  if (e.fieldErrors && Object.keys(e.fieldErrors).length) {
    return `rejected by the partner: ${Object.entries(e.fieldErrors)
      .map(([f, msgs]) => `${f}: ${msgs.join(' ')}`)
      .join('; ')}`;
  }
  return `rejected by the partner: ${e.message}`;
}

async function writeOutcomes(deps: ChunkDeps, run: RunRow, rows: WorkRow[], outcomes: Outcome[], scopedKeys: Map<number, string>): Promise<void> {
  const keyByLine = new Map(rows.map((r) => [r.line, r.rowKey]));
  await deps.db.transaction().execute(async (trx) => {
    await deps.runs.recordOutcomes(run.id, outcomes, trx);
    // Kept under the key within the division and under the bare key (the last one written).
    const xrefs = outcomes
      .filter((o) => o.xrefUrl)
      .flatMap((o) => [keyByLine.get(o.line)!, scopedKeys.get(o.line)].filter((k): k is string => Boolean(k)).map((sourceKey) => ({ sourceKey, partnerUrl: o.xrefUrl!, contentHash: null })));
    // Two rows of one batch never share a key (duplicates are rejected at validation).
    if (xrefs.length) await deps.xrefs.upsertMany(deps.target.target, deps.target.kind, xrefs, trx);
    // The shared links store too (issue 8): a patient imported today is recognised by the sync
    // when its first ADT arrives, an imported appointment when its first SIU does.
    const linkKind = deps.target.kind === 'contact' ? 'patient' : deps.target.kind === 'appointment' ? 'appointment' : undefined;
    const emrIdByLine = new Map(rows.map((r) => [r.line, r.record.emrId?.trim() || undefined]));
    const links: Link[] = linkKind
      ? outcomes
          .filter((o) => o.xrefUrl && emrIdByLine.get(o.line))
          .map((o) => ({ kind: linkKind, sourceSystem: SYSTEMS.emr, sourceId: emrIdByLine.get(o.line)!, targetSystem: deps.target.target, targetId: o.xrefUrl! }))
      : [];
    if (links.length) await new LinkStore(deps.db).putMany(links, trx);
  });
}

function targetLabel(deps: ChunkDeps): string {
  return deps.target.target === 'oncall' ? 'OnCall Health' : deps.target.target;
}

/** Reads the run's status at most every 300 ms, so pause/cancel take effect within a batch. */
function runStatusWatcher(runs: RunStore, runId: string): () => Promise<string> {
  let last = 0;
  let value = 'running';
  return async () => {
    if (Date.now() - last > 300) {
      value = (await runs.get(runId))?.status ?? 'cancelled';
      last = Date.now();
    }
    return value;
  };
}
