import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { EffectStore } from '../../effects/effect-store.js';
import { LinkStore } from '../../links/link-store.js';
import type { OncallClient } from '../../partners/oncall/client.js';
import type { FhirReader } from '../../partners/fhir-emr/fhir-reader.js';
import type { Db } from '../../store/db.js';
import type { EmrWriter } from '../sync/targets/emr/emr-writer.js';
import type { OncallPlacement } from '../sync/targets/oncall/defaults.js';
import { ActionRefused, findCreatedInOncall, linkAction, pushAction, type ActionDeps, type ReconcileAction } from './actions.js';
import { emptySummary, hasFindings, summaryLine, type Finding, type FindingKind, type ReconcileSummary, type ReconcileType } from './findings.js';
import type { Owners } from './owners.js';
import { reconcile, type ReconcileProgress } from './reconcile.js';
import { emrRecords, oncallRecords } from './sources.js';

/**
 * Reconciliation runs started from the API (issue 9): each runs in the background of this
 * process and is kept in memory with its findings, the last five runs (a restart forgets them:
 * a run is cheap to start again). Every action on a finding goes through the effects store
 * under `reconcile:<run id>:<finding n>`: the row is the audit of who-did-what, and a second
 * click on the same finding finds it done and writes nothing twice.
 */
export interface ReconcileRunsDeps {
  db: Db;
  oncall: () => OncallClient;
  /** A reader of the EMR for one run (closed after it); throws when no EMR is configured. */
  emrReader: () => FhirReader;
  emrWriter?: () => EmrWriter | undefined;
  owners: Owners;
  emrIdField: string;
  emrIdMetadataKey: string;
  placement: () => Promise<OncallPlacement>;
  logger: Logger;
  /** Runs kept (default 5). */
  keep?: number;
}

export type RunStatus = 'running' | 'done' | 'failed';

export interface ActionRecord {
  action: ReconcileAction;
  done: string;
  at: string;
}

export interface ReconcileRun {
  id: string;
  type: ReconcileType;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  progress: ReconcileProgress;
  summary: ReconcileSummary;
  /** Set when the run failed: what went wrong, in words. */
  error: string | null;
  findings: Finding[];
  actions: Map<number, ActionRecord>;
}

export interface RunView {
  id: string;
  type: ReconcileType;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  progress: ReconcileProgress;
  summary: ReconcileSummary;
  summaryLine: string;
  allInSync: boolean | null;
  error: string | null;
}

export class ReconcileRuns {
  private readonly runs: ReconcileRun[] = [];
  private readonly pending = new Map<string, Promise<ActionRecord & { repeated: boolean }>>();
  private readonly effects: EffectStore;
  private readonly links: LinkStore;

  constructor(private readonly d: ReconcileRunsDeps) {
    this.effects = new EffectStore(d.db);
    this.links = new LinkStore(d.db);
  }

  /** Starts a run in the background; `done` settles when it ends (tests, CLI-like callers). */
  start(type: ReconcileType): { run: ReconcileRun; done: Promise<void> } {
    const run: ReconcileRun = {
      id: randomUUID(),
      type,
      status: 'running',
      startedAt: new Date().toISOString(),
      finishedAt: null,
      progress: { phase: 'oncall', emr: 0, oncall: 0 },
      summary: emptySummary(),
      error: null,
      findings: [],
      actions: new Map(),
    };
    this.runs.unshift(run);
    // Forget the oldest finished runs beyond the limit; a running one is never dropped.
    const keep = this.d.keep ?? 5;
    for (let i = this.runs.length - 1; i >= keep && this.runs.length > keep; i--) {
      if (this.runs[i]!.status !== 'running') this.runs.splice(i, 1);
    }
    const done = this.execute(run);
    return { run, done };
  }

  get(id: string): ReconcileRun | undefined {
    return this.runs.find((r) => r.id === id);
  }

  list(): ReconcileRun[] {
    return [...this.runs];
  }

  view(run: ReconcileRun): RunView {
    const { id, type, status, startedAt, finishedAt, progress, summary, error } = run;
    return {
      id,
      type,
      status,
      startedAt,
      finishedAt,
      progress,
      summary,
      summaryLine: summaryLine(summary),
      allInSync: status === 'done' ? !hasFindings(summary) : null,
      error,
    };
  }

  /** A page of findings, `kind` filtered, after finding number `cursor`. */
  page(run: ReconcileRun, opts: { kind?: FindingKind; cursor?: number; limit?: number }): { items: Array<Finding & { action: ActionRecord | null }>; nextCursor: number | null } {
    const limit = Math.min(Math.max(opts.limit ?? 50, 1), 500);
    const after = opts.cursor ?? 0;
    const items: Array<Finding & { action: ActionRecord | null }> = [];
    let next: number | null = null;
    for (const f of run.findings) {
      if (f.n <= after || (opts.kind && f.kind !== opts.kind)) continue;
      if (items.length === limit) {
        next = items[items.length - 1]!.n;
        break;
      }
      items.push({ ...f, action: run.actions.get(f.n) ?? null });
    }
    return { items, nextCursor: next };
  }

  /**
   * One action on one finding, exactly once: concurrent clicks share one attempt; a repeated
   * click after it finished answers what was done (`repeated`), writing nothing.
   */
  async act(run: ReconcileRun, n: number, action: ReconcileAction, body: { oncallUrl?: string; emrId?: string }): Promise<ActionRecord & { repeated: boolean }> {
    const finding = run.findings.find((f) => f.n === n);
    if (!finding) throw new ActionRefused(404, 'No such finding in this run');
    const key = `reconcile:${run.id}:${n}`;
    const running = this.pending.get(key);
    if (running) return running.then((r) => ({ ...r, repeated: true }));
    const attempt = this.actOnce(run, finding, key, action, body).finally(() => this.pending.delete(key));
    this.pending.set(key, attempt);
    return attempt;
  }

  private async actOnce(run: ReconcileRun, f: Finding, key: string, action: ReconcileAction, body: { oncallUrl?: string; emrId?: string }): Promise<ActionRecord & { repeated: boolean }> {
    const earlier = run.actions.get(f.n);
    if (earlier) return { ...earlier, repeated: true };
    let outcome: { done: string; id: string } | undefined;
    let reader: FhirReader | undefined;
    let writer: EmrWriter | undefined;
    const deps = (): ActionDeps => {
      reader ??= this.d.emrReader();
      writer ??= this.d.emrWriter?.();
      return {
        type: run.type,
        oncall: this.d.oncall(),
        emr: reader,
        emrWriter: writer,
        links: this.links,
        emrIdField: this.d.emrIdField,
        emrIdMetadataKey: this.d.emrIdMetadataKey,
        placement: this.d.placement,
      };
    };
    const result = await this.effects.run<{ done: string; id: string }>({
      key,
      target: action === 'ignore' ? 'reconcile' : action === 'link' ? 'links' : 'partner',
      action: `reconcile ${action} ${f.kind}`,
      idOf: (r) => r.id,
      settleMs: 500,
      send: async () => {
        if (action === 'ignore') return { done: 'ignored in this run', id: 'ignored' };
        const d = deps();
        outcome = action === 'link' ? await linkAction(d, f, body) : await pushAction(d, f);
        return outcome;
      },
      // A push that created a record in OnCall and lost the answer: the record carries the EMR id.
      lookup: async () => {
        if (action !== 'push' || f.kind !== 'missing-in-oncall') return null;
        const d = deps();
        const url = await findCreatedInOncall(d, f.emrId as string);
        return url ? { done: 'found the record in OnCall', id: url } : null;
      },
    })
      .catch(async (e: unknown) => {
        // A refusal wrote nothing: its intent goes, so the audit shows only what happened.
        if (e instanceof ActionRefused) await this.effects.forget(key);
        throw e;
      })
      .finally(async () => {
        await reader?.close().catch(() => undefined);
        await writer?.close().catch(() => undefined);
      });
    const record: ActionRecord = {
      action,
      done: result.how === 'already-done' ? 'already done' : (result.record?.done ?? 'done'),
      at: new Date().toISOString(),
    };
    run.actions.set(f.n, record);
    // The audit line carries the run, the finding and the action: never a value.
    this.d.logger.info({ run: run.id, finding: f.n, kind: f.kind, action, how: result.how }, 'reconciliation action');
    return { ...record, repeated: result.how === 'already-done' };
  }

  private async execute(run: ReconcileRun): Promise<void> {
    let reader: FhirReader | undefined;
    try {
      reader = this.d.emrReader();
      const summary = await reconcile({
        type: run.type,
        emr: emrRecords(run.type, reader),
        oncall: oncallRecords(run.type, this.d.oncall(), { emrIdField: this.d.emrIdField, emrIdMetadataKey: this.d.emrIdMetadataKey }),
        db: this.d.db,
        owners: this.d.owners,
        summary: run.summary,
        onFinding: (f) => {
          run.findings.push(f);
        },
        onProgress: (p) => {
          run.progress = p;
        },
      });
      run.summary = summary;
      run.status = 'done';
    } catch (e) {
      run.status = 'failed';
      run.error = failureWords(e);
      this.d.logger.warn({ run: run.id, type: run.type, error: run.error }, 'reconciliation failed');
    } finally {
      run.finishedAt = new Date().toISOString();
      await reader?.close().catch(() => undefined);
    }
  }
}

/** A failure in words for the person; partner errors already name the call, never a value. */
export function failureWords(e: unknown): string {
  const err = e as { partner?: string; kind?: string; message?: string };
  const message = err?.message ?? String(e);
  if (err?.partner === 'oncall' && (err.kind === 'transient' || err.kind === 'auth') && !message.startsWith('OnCall Health')) {
    return `OnCall Health ${err.kind === 'auth' ? 'refused the API key' : 'could not be reached'} (${message})`;
  }
  return message;
}
