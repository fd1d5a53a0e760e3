import { randomUUID } from 'node:crypto';
import type { Encounter, Patient } from '@medplum/fhirtypes';
import { sql } from 'kysely';
import type { Config, EhrRouteConfig } from '../../config/config.js';
import { UnmappableCharacterError } from '../../hl7/charset.js';
import { deriveControlId } from '../../hl7/control-id.js';
import { ackReason } from '../../hl7/ack.js';
import type { Logger } from '../../logging/logger.js';
import { deliverToEhr, EhrAckError, EhrHttpError } from '../../partners/ehr/transports/index.js';
import { isPartnerError } from '../../partners/partner-error.js';
import type { JobContext, JobHandlers, JobQueue } from '../../queue/queue.js';
import type { Db, Store } from '../../store/db.js';
import { DAY_MS, retentionPolicy } from '../../retention/policy.js';
import { redactPreview } from '../../retention/redact-preview.js';
import { defaultDocumentTitle } from './default-title.js';
import { readDocumentBlob, writeDocumentBlob } from './document-blobs.js';
import { closeAttempt, insertDelivery, isTerminal, openAttempt, openAttempts, setStatus, type DeliveryRow, type TransactionRow } from './delivery-repo.js';
import { buildDocumentInput, renderForRoute } from './document-input.js';
import type { EmrClient } from './emr-client.js';
import { DocumentRejectedError } from './errors.js';
import { messagePreview } from './message-preview.js';
import { requestHash } from './request-hash.js';
import { routeByName, selectRoute } from './route-select.js';
import { describeTransport, resolveTransport, RouteConfigError, type SandboxReceiver } from './transport-config.js';
import { ATTEMPT_OUTCOMES, type DeliveryStatus, type RequestingClient, type SendToEhrRequest } from './types.js';

/**
 * Documents to hospital EHRs (issue 3): accept fast and durably, deliver in a job, track.
 *
 * Exactly once, step by step:
 * - accept: the request, the document bytes, the first delivery and its job are committed in
 *   one transaction, or nothing is (a rejected request stores nothing);
 * - the same content from the same client within the window maps to the same transaction;
 * - each delivery attempt is written (open) before the bytes leave and closed with its outcome
 *   in the same transaction as the status change; an attempt found open when a job starts means
 *   the process died mid-delivery: that is the one ambiguous case, and only then is the message
 *   sent again, byte for byte the same (same MSH-10, same file names) so the EHR de-duplicates;
 * - retries are new jobs keyed by (delivery, attempt), so a replayed job finds its attempt
 *   closed and does nothing.
 */
export const DELIVER_JOB = 'send-to-ehr.deliver';
/** Older name of the retention job; `src/retention/purge-job.ts` runs the one purge job and still handles it. */
export const RETENTION_JOB = 'send-to-ehr.retention';
const MAX_BACKOFF_MS = 5 * 60_000;
/** Tombstones (expired transactions) answer 410 for a year after expiry, then 404. */
const TOMBSTONE_MS = 365 * 24 * 3600_000;

export interface SendToEhrDeps {
  store: Store;
  queue: JobQueue;
  config: Config;
  logger: Logger;
  /** The EMR (lazily: in the embedded run it is the sandbox on our own port). */
  emr: () => EmrClient;
  onClose?: () => Promise<void>;
}

export interface AcceptResult {
  transactionId: string;
  /** Same content within the window: the earlier transaction, nothing new stored. */
  duplicate: boolean;
}

export interface DeliveryView {
  id: string;
  seq: number;
  status: DeliveryStatus;
  reason: string | null;
  sentAt: string | null;
  updatedAt: string;
}

export type TrackingResult =
  | { state: 'not-found' }
  | { state: 'gone' }
  | { state: 'found'; transactionId: string; patientId: string; encounterId: string | null; createdAt: string; deliveries: DeliveryView[] };

export interface DocumentFilter {
  status?: DeliveryStatus;
  route?: string;
  clientId?: string;
  /** Transaction id, patient id or control id (exact). */
  q?: string;
  from?: string;
  to?: string;
  limit?: number;
  offset?: number;
}

function addMonths(d: Date, months: number): Date {
  const out = new Date(d);
  out.setUTCMonth(out.getUTCMonth() + months);
  return out;
}

function idOf(reference: string | undefined): string | undefined {
  return /(?:^|\/)Patient\/([^/]+?)(?:\/_history\/[^/]+)?$/.exec(reference ?? '')?.[1];
}

/** A patient merged into another (link replaced-by) is not a valid target. */
function usablePatient(p: Patient): boolean {
  return !(p.link ?? []).some((l) => l.type === 'replaced-by');
}

function usableEncounter(e: Encounter): boolean {
  return e.status !== 'entered-in-error' && e.status !== 'cancelled';
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class SendToEhrService {
  private sandbox: (() => SandboxReceiver | undefined) | undefined;

  constructor(private readonly deps: SendToEhrDeps) {}

  private get db(): Db {
    return this.deps.store.db;
  }

  private get ehr(): Config['ehr'] {
    return this.deps.config.ehr;
  }

  /** The EMR connection (the FHIR API proxies Patient/Encounter through it). */
  emr(): EmrClient {
    return this.deps.emr();
  }

  async close(): Promise<void> {
    await this.deps.onClose?.();
  }

  /** Where the sandbox EHR receiver of this process listens (set by the HTTP layer once it is mounted). */
  useSandboxReceiver(resolver: () => SandboxReceiver | undefined): void {
    this.sandbox = resolver;
  }

  // ---- accept ------------------------------------------------------------------------------

  /**
   * Resolves the references in the EMR (422 material when they do not hold), then stores the
   * request, the bytes, the first delivery and its job in one transaction.
   */
  async accept(client: RequestingClient, req: SendToEhrRequest): Promise<AcceptResult> {
    const { patient, encounter } = await this.resolveReferences(req);
    const now = new Date();
    const nowIso = now.toISOString();
    const hash = requestHash(client.id, req);
    const id = randomUUID();
    const controlId = deriveControlId(id);
    const selected = selectRoute(this.ehr, patient, encounter);
    const title = req.title ?? defaultDocumentTitle(req.loinc, controlId, now);

    return this.db.transaction().execute(async (trx) => {
      if (this.ehr.dedupWindowSeconds > 0) {
        const expiresAt = new Date(now.getTime() + this.ehr.dedupWindowSeconds * 1000).toISOString();
        // Claim the content key, or take it over when the earlier claim's window has passed.
        const claimed = await trx
          .insertInto('ehr_request_keys')
          .values({ request_hash: hash, transaction_id: id, expires_at: expiresAt })
          .onConflict((oc) =>
            oc
              .column('request_hash')
              .doUpdateSet({ transaction_id: id, expires_at: expiresAt })
              .where('ehr_request_keys.expires_at', '<=', nowIso),
          )
          .returning('transaction_id')
          .executeTakeFirst();
        if (claimed?.transaction_id !== id) {
          const existing = await trx.selectFrom('ehr_request_keys').select('transaction_id').where('request_hash', '=', hash).executeTakeFirstOrThrow();
          return { transactionId: existing.transaction_id, duplicate: true };
        }
      }
      await trx
        .insertInto('ehr_transactions')
        .values({
          id,
          client_id: client.id,
          client_name: client.name,
          request_hash: hash,
          patient_id: req.patientId,
          encounter_id: req.encounterId ?? null,
          content_type: req.contentType,
          loinc: req.loinc,
          title,
          sender_rpps: req.senderRpps ?? null,
          size_bytes: req.size,
          sha256: req.sha256,
          route: selected.name,
          control_id: controlId,
          created_at: nowIso,
          tracking_until: addMonths(now, this.ehr.trackingRetentionMonths).toISOString(),
          blob_purged_at: null,
          expired_at: null,
        })
        .execute();
      await writeDocumentBlob(trx, id, req.payloadBase64);
      const deliveryId = await insertDelivery(trx, {
        transactionId: id,
        seq: 1,
        route: selected.name,
        format: selected.route.format,
        transport: selected.route.transport.kind,
        at: nowIso,
      });
      await this.enqueueAttempt(trx, deliveryId, 1);
      this.deps.logger.info({ transactionId: id, route: selected.name, size: req.size, contentType: req.contentType }, 'send-to-ehr: document accepted');
      return { transactionId: id, duplicate: false };
    });
  }

  private async resolveReferences(req: SendToEhrRequest): Promise<{ patient: Patient; encounter: Encounter | undefined }> {
    const emr = this.deps.emr();
    try {
      const patient = await emr.read<Patient>('Patient', req.patientId);
      if (!patient || !usablePatient(patient)) throw new DocumentRejectedError('invalid-reference', `Patient/${req.patientId}`, 'subject');
      if (!req.encounterId) return { patient, encounter: undefined };
      const encounter = await emr.read<Encounter>('Encounter', req.encounterId);
      if (!encounter || !usableEncounter(encounter)) throw new DocumentRejectedError('invalid-reference', `Encounter/${req.encounterId}`, 'context');
      if (idOf(encounter.subject?.reference) !== req.patientId) {
        throw new DocumentRejectedError('encounter-mismatch', `Encounter/${req.encounterId}`, 'context');
      }
      return { patient, encounter };
    } catch (e) {
      if (isPartnerError(e)) throw new DocumentRejectedError('emr-unavailable', '', 'subject', { cause: e });
      throw e;
    }
  }

  private async enqueueAttempt(trx: Parameters<JobQueue['add']>[1], deliveryId: string, attempt: number, runAt?: Date): Promise<void> {
    await this.deps.queue.add(
      {
        name: DELIVER_JOB,
        payload: { deliveryId, attempt },
        // One job per (delivery, attempt): a replayed job finds its attempt done and stops.
        jobKey: `ehr-delivery:${deliveryId}:${attempt}`,
        ...(runAt ? { runAt } : {}),
        // Our own attempts count delivery tries; the queue's only cover infrastructure failures.
        maxAttempts: 10,
      },
      trx,
    );
  }

  // ---- tracking ----------------------------------------------------------------------------

  async tracking(clientId: string, transactionId: string, now = new Date()): Promise<TrackingResult> {
    const tx = await this.db
      .selectFrom('ehr_transactions')
      .select(['id', 'client_id', 'patient_id', 'encounter_id', 'created_at', 'tracking_until', 'expired_at'])
      .where('id', '=', transactionId)
      .executeTakeFirst();
    // Another client's transaction is as unknown as a missing one.
    if (!tx || tx.client_id !== clientId) return { state: 'not-found' };
    if (tx.expired_at || tx.tracking_until <= now.toISOString()) return { state: 'gone' };
    const deliveries = await this.db
      .selectFrom('ehr_deliveries')
      .select(['id', 'seq', 'status', 'status_reason', 'sent_at', 'updated_at'])
      .where('transaction_id', '=', tx.id)
      .orderBy('seq')
      .execute();
    return {
      state: 'found',
      transactionId: tx.id,
      patientId: tx.patient_id,
      encounterId: tx.encounter_id,
      createdAt: tx.created_at,
      deliveries: deliveries.map((d) => ({
        id: d.id,
        seq: d.seq,
        status: d.status as DeliveryStatus,
        reason: d.status_reason,
        sentAt: d.sent_at,
        updatedAt: d.updated_at,
      })),
    };
  }

  // ---- delivery job ------------------------------------------------------------------------

  /** Retention runs in the one purge job of `src/retention/purge-job.ts`, which calls runRetention(). */
  jobHandlers(): JobHandlers {
    return {
      [DELIVER_JOB]: (payload, ctx) => this.deliver(payload, ctx),
    };
  }

  /** One delivery attempt (or the recovery of one interrupted by a crash). Exported for tests via jobHandlers(). */
  async deliver(payload: Record<string, unknown>, ctx: Pick<JobContext, 'logger'>): Promise<void> {
    const deliveryId = String(payload.deliveryId ?? '');
    const expected = Number(payload.attempt ?? 1);
    const d = await this.db.selectFrom('ehr_deliveries').selectAll().where('id', '=', deliveryId).executeTakeFirst();
    if (!d || isTerminal(d.status)) return;
    const open = await openAttempts(this.db, d.id);
    // Replay of a job whose attempt already ended (crash after commit, before the queue's ack).
    if (d.attempts >= expected && open.length === 0) return;
    const log = ctx.logger.child({ deliveryId: d.id, transactionId: d.transaction_id, route: d.route });

    for (const a of open) {
      await closeAttempt(this.db, d.id, a, ATTEMPT_OUTCOMES.interrupted, {
        detail: 'the engine stopped during this attempt: outcome unknown, sent again with the same control id',
      });
      log.warn({ attempt: a }, 'send-to-ehr: resuming a delivery interrupted mid-attempt');
    }
    const tx = await this.db.selectFrom('ehr_transactions').selectAll().where('id', '=', d.transaction_id).executeTakeFirst();
    if (!tx) return;
    if (d.status === 'preparation') await setStatus(this.db, d.id, 'in-progress');

    const route = routeByName(this.ehr, d.route);
    if (!route) return this.finish(d, null, 'unknown', `EHR route ${d.route} is no longer configured`, log);
    if (tx.expired_at || tx.blob_purged_at) return this.finish(d, null, 'unknown', 'the document is no longer stored (retention period over)', log);

    const attempt = d.attempts + 1;
    await openAttempt(this.db, d.id, attempt, new Date().toISOString());

    let patient: Patient | null;
    let encounter: Encounter | null = null;
    try {
      const emr = this.deps.emr();
      patient = await emr.read<Patient>('Patient', tx.patient_id);
      if (patient && tx.encounter_id) encounter = await emr.read<Encounter>('Encounter', tx.encounter_id);
    } catch (e) {
      return this.retryOrFail(d, attempt, route, `EMR unavailable while gathering the patient data (${errorText(e)})`, undefined, log);
    }
    if (!patient) return this.finish(d, attempt, 'entered-in-error', `Patient/${tx.patient_id} is no longer available in the EMR`, log, ATTEMPT_OUTCOMES.failed);
    if (tx.encounter_id && !encounter) {
      return this.finish(d, attempt, 'entered-in-error', `Encounter/${tx.encounter_id} is no longer available in the EMR`, log, ATTEMPT_OUTCOMES.failed);
    }

    // Memory: the bytes and the rendered message are each as big as the document; keep one
    // reference to each and drop it as soon as the next exists.
    let data = await readDocumentBlob(this.db, tx.id, tx.size_bytes);
    if (!data) return this.finish(d, attempt, 'unknown', 'the document is no longer stored', log, ATTEMPT_OUTCOMES.failed);

    let rendered;
    let transport;
    try {
      const input = buildDocumentInput(tx, patient, encounter ?? undefined, data, route, this.ehr);
      data = undefined;
      rendered = renderForRoute(input, route, this.ehr, new Date(d.created_at));
      input.document.data = Buffer.alloc(0);
      transport = resolveTransport(d.route, route, this.sandbox?.());
    } catch (e) {
      if (e instanceof UnmappableCharacterError) {
        const charset = route.charset ?? 'ISO-8859-1';
        return this.finish(d, attempt, 'entered-in-error', `the patient data cannot be written in ${charset}: ${e.message}`, log, ATTEMPT_OUTCOMES.failed);
      }
      if (e instanceof RouteConfigError) return this.finish(d, attempt, 'unknown', e.message, log, ATTEMPT_OUTCOMES.failed);
      log.error({ err: { name: (e as Error).name, message: errorText(e) } }, 'send-to-ehr: could not build the message');
      return this.finish(d, attempt, 'unknown', 'the message could not be built', log, ATTEMPT_OUTCOMES.failed);
    }

    let preview: string;
    try {
      preview = rendered.preview ?? messagePreview(rendered.main.bytes, rendered.charset === 'UTF-8' ? 'utf8' : 'latin1');
    } catch {
      preview = '(preview unavailable)'; // The UI's convenience must never block a delivery.
    }
    await this.db.updateTable('ehr_deliveries').set({ message_name: rendered.main.name, message_preview: preview }).where('id', '=', d.id).execute();

    const where = describeTransport(transport);
    try {
      const result = await deliverToEhr(transport, rendered);
      const at = new Date().toISOString();
      await this.db.transaction().execute(async (trx) => {
        await closeAttempt(trx, d.id, attempt, ATTEMPT_OUTCOMES.delivered, {
          ackCode: result.transport === 'mllp' ? result.ack.ackCode : result.transport === 'http' ? String(result.status) : 'OK',
          detail: `delivered to ${where}`,
          at,
        });
        await setStatus(trx, d.id, 'completed', { at, sentAt: at });
      });
      log.info({ attempt, format: rendered.format, transport: transport.transport, bytes: rendered.main.bytes.length }, 'send-to-ehr: delivered');
    } catch (e) {
      if (isPartnerError(e) && (e.kind === 'permanent' || e.kind === 'auth')) {
        const reason =
          e instanceof EhrAckError
            ? `EHR answered ${e.ack.ackCode}: ${ackReason(e.ack)}`
            : e.kind === 'auth'
              ? `the EHR refused our credentials (${e.message})`
              : e.message;
        const ackCode = e instanceof EhrAckError ? e.ack.ackCode : e instanceof EhrHttpError ? String(e.status) : null;
        return this.finish(d, attempt, 'entered-in-error', reason, log, ATTEMPT_OUTCOMES.rejected, ackCode);
      }
      const ackCode = e instanceof EhrAckError ? e.ack.ackCode : e instanceof EhrHttpError ? String(e.status) : null;
      const reason = e instanceof EhrAckError ? `EHR answered ${e.ack.ackCode}: ${ackReason(e.ack)}` : errorText(e);
      const retryAfterMs = isPartnerError(e) ? e.retryAfterMs : undefined;
      return this.retryOrFail(d, attempt, route, reason, retryAfterMs, log, ackCode);
    }
  }

  private async finish(
    d: DeliveryRow,
    attempt: number | null,
    status: DeliveryStatus,
    reason: string,
    log: Logger,
    outcome: (typeof ATTEMPT_OUTCOMES)[keyof typeof ATTEMPT_OUTCOMES] = ATTEMPT_OUTCOMES.failed,
    ackCode: string | null = null,
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (attempt !== null) await closeAttempt(trx, d.id, attempt, outcome, { ackCode, detail: reason });
      await setStatus(trx, d.id, status, { reason });
    });
    log.warn({ status, attempt }, 'send-to-ehr: delivery ended without success');
  }

  private async retryOrFail(
    d: DeliveryRow,
    attempt: number,
    route: EhrRouteConfig,
    reason: string,
    retryAfterMs: number | undefined,
    log: Logger,
    ackCode: string | null = null,
  ): Promise<void> {
    if (attempt >= route.maxAttempts) {
      return this.finish(d, attempt, 'entered-in-error', `not delivered after ${attempt} attempts; last: ${reason}`, log, ATTEMPT_OUTCOMES.retry, ackCode);
    }
    const backoff = Math.min(MAX_BACKOFF_MS, route.retryBaseDelayMs * 2 ** (attempt - 1));
    const delay = Math.min(60 * 60_000, Math.max(backoff, retryAfterMs ?? 0));
    const runAt = new Date(Date.now() + delay);
    await this.db.transaction().execute(async (trx) => {
      await closeAttempt(trx, d.id, attempt, ATTEMPT_OUTCOMES.retry, { ackCode, detail: reason });
      await trx
        .updateTable('ehr_deliveries')
        .set({ status_reason: reason, next_attempt_at: runAt.toISOString(), updated_at: new Date().toISOString() })
        .where('id', '=', d.id)
        .execute();
      await this.enqueueAttempt(trx, d.id, attempt + 1, runAt);
    });
    log.warn({ attempt, delayMs: delay }, 'send-to-ehr: attempt failed, will retry');
  }

  // ---- re-send (web UI) --------------------------------------------------------------------

  /** A new delivery of a transaction whose last delivery failed. Returns its id. */
  async resend(transactionId: string): Promise<{ deliveryId: string } | { error: 'not-found' | 'not-failed' | 'purged' }> {
    return this.db.transaction().execute(async (trx) => {
      const tx = await trx.selectFrom('ehr_transactions').select(['id', 'route', 'blob_purged_at', 'expired_at']).where('id', '=', transactionId).executeTakeFirst();
      if (!tx || tx.expired_at) return { error: 'not-found' as const };
      if (tx.blob_purged_at) return { error: 'purged' as const };
      const last = await trx.selectFrom('ehr_deliveries').select(['seq', 'status']).where('transaction_id', '=', tx.id).orderBy('seq', 'desc').limit(1).executeTakeFirst();
      if (!last || (last.status !== 'entered-in-error' && last.status !== 'unknown')) return { error: 'not-failed' as const };
      const route = routeByName(this.ehr, tx.route);
      const deliveryId = await insertDelivery(trx, {
        transactionId: tx.id,
        seq: last.seq + 1,
        route: tx.route,
        format: route?.format ?? 'unknown',
        transport: route?.transport.kind ?? 'unknown',
        at: new Date().toISOString(),
      });
      await this.enqueueAttempt(trx, deliveryId, 1);
      return { deliveryId };
    });
  }

  // ---- documents page ----------------------------------------------------------------------

  async list(filter: DocumentFilter = {}) {
    const limit = Math.min(200, Math.max(1, filter.limit ?? 50));
    const offset = Math.max(0, filter.offset ?? 0);
    let q = this.db.selectFrom('ehr_transactions as t').where('t.expired_at', 'is', null);
    if (filter.route) q = q.where('t.route', '=', filter.route);
    if (filter.clientId) q = q.where('t.client_id', '=', filter.clientId);
    if (filter.from) q = q.where('t.created_at', '>=', filter.from);
    if (filter.to) q = q.where('t.created_at', '<', filter.to);
    if (filter.q) {
      const v = filter.q.trim();
      q = q.where((eb) => eb.or([eb('t.id', '=', v), eb('t.patient_id', '=', v), eb('t.control_id', '=', v), eb('t.encounter_id', '=', v)]));
    }
    if (filter.status) {
      const status = filter.status;
      // The transaction's status is its latest delivery's.
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('ehr_deliveries as d')
            .select(sql<number>`1`.as('one'))
            .whereRef('d.transaction_id', '=', 't.id')
            .where('d.status', '=', status)
            .where('d.seq', '=', (sub) => sub.selectFrom('ehr_deliveries as d2').select((e) => e.fn.max('d2.seq').as('m')).whereRef('d2.transaction_id', '=', 't.id')),
        ),
      );
    }
    const total = Number((await q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const rows = await q
      .select(['t.id', 't.created_at', 't.client_id', 't.client_name', 't.patient_id', 't.encounter_id', 't.content_type', 't.loinc', 't.title', 't.size_bytes', 't.route', 't.control_id', 't.blob_purged_at'])
      .orderBy('t.created_at', 'desc')
      .orderBy('t.id')
      .limit(limit)
      .offset(offset)
      .execute();
    const ids = rows.map((r) => r.id);
    const deliveries = ids.length
      ? await this.db
          .selectFrom('ehr_deliveries')
          .select(['transaction_id', 'seq', 'status', 'status_reason', 'attempts', 'sent_at', 'updated_at', 'next_attempt_at'])
          .where('transaction_id', 'in', ids)
          .execute()
      : [];
    const latest = new Map<string, (typeof deliveries)[number]>();
    for (const d of deliveries) {
      const prev = latest.get(d.transaction_id);
      if (!prev || d.seq > prev.seq) latest.set(d.transaction_id, d);
    }
    return {
      total,
      items: rows.map((r) => {
        const d = latest.get(r.id);
        return {
          transactionId: r.id,
          createdAt: r.created_at,
          client: { id: r.client_id, name: r.client_name },
          patientId: r.patient_id,
          encounterId: r.encounter_id,
          contentType: r.content_type,
          documentType: r.loinc,
          title: r.title,
          size: r.size_bytes,
          route: r.route,
          controlId: r.control_id,
          documentPurged: r.blob_purged_at !== null,
          status: (d?.status ?? 'unknown') as DeliveryStatus,
          statusReason: d?.status_reason ?? null,
          deliveries: deliveries.filter((x) => x.transaction_id === r.id).length,
          attempts: d?.attempts ?? 0,
          sentAt: d?.sent_at ?? null,
          updatedAt: d?.updated_at ?? r.created_at,
          nextAttemptAt: d?.next_attempt_at ?? null,
        };
      }),
    };
  }

  async detail(transactionId: string) {
    const tx = await this.db
      .selectFrom('ehr_transactions')
      .select([
        'id', 'created_at', 'client_id', 'client_name', 'patient_id', 'encounter_id', 'content_type', 'loinc', 'title', 'sender_rpps',
        'size_bytes', 'sha256', 'route', 'control_id', 'tracking_until', 'blob_purged_at', 'expired_at',
      ])
      .where('id', '=', transactionId)
      .executeTakeFirst();
    if (!tx || tx.expired_at) return undefined;
    const deliveries = await this.db.selectFrom('ehr_deliveries').selectAll().where('transaction_id', '=', tx.id).orderBy('seq').execute();
    const dIds = deliveries.map((d) => d.id);
    const attempts = dIds.length ? await this.db.selectFrom('ehr_delivery_attempts').selectAll().where('delivery_id', 'in', dIds).orderBy('attempt').execute() : [];
    const events = dIds.length ? await this.db.selectFrom('ehr_delivery_events').selectAll().where('delivery_id', 'in', dIds).orderBy('at').execute() : [];
    const last = deliveries[deliveries.length - 1];
    return {
      transactionId: tx.id,
      createdAt: tx.created_at,
      client: { id: tx.client_id, name: tx.client_name },
      patientId: tx.patient_id,
      encounterId: tx.encounter_id,
      contentType: tx.content_type,
      documentType: tx.loinc,
      title: tx.title,
      senderRpps: tx.sender_rpps,
      size: tx.size_bytes,
      sha256: tx.sha256,
      route: tx.route,
      controlId: tx.control_id,
      trackingUntil: tx.tracking_until,
      documentPurgedAt: tx.blob_purged_at,
      canResend: !tx.blob_purged_at && !!last && (last.status === 'entered-in-error' || last.status === 'unknown'),
      deliveries: deliveries.map((d) => ({
        id: d.id,
        seq: d.seq,
        route: d.route,
        format: d.format,
        transport: d.transport,
        status: d.status as DeliveryStatus,
        statusReason: d.status_reason,
        attempts: d.attempts,
        createdAt: d.created_at,
        updatedAt: d.updated_at,
        sentAt: d.sent_at,
        finishedAt: d.finished_at,
        nextAttemptAt: d.next_attempt_at,
        messageName: d.message_name,
        messagePreview: d.message_preview,
        attemptLog: attempts
          .filter((a) => a.delivery_id === d.id)
          .map((a) => ({ attempt: a.attempt, startedAt: a.started_at, finishedAt: a.finished_at, outcome: a.outcome, ackCode: a.ack_code, detail: a.detail })),
        events: events.filter((e) => e.delivery_id === d.id).map((e) => ({ status: e.status, reason: e.reason, at: e.at })),
      })),
    };
  }

  // ---- retention ---------------------------------------------------------------------------

  /**
   * Purges document bytes once every delivery of a transaction ended more than the document
   * retention ago; reduces message previews to their identifier-free form once the delivery
   * ended more than the preview retention ago; turns transactions past their tracking period
   * into tombstones (410); drops old tombstones, spent de-duplication keys and expired OAuth
   * tokens. Settings: `src/retention/policy.ts`.
   */
  async runRetention(now = new Date()): Promise<{ purgedDocuments: number; redactedPreviews: number; expiredTransactions: number }> {
    const db = this.db;
    const nowIso = now.toISOString();
    const policy = retentionPolicy(this.deps.config);
    const docCutoff = new Date(now.getTime() - policy.documentBytesHours * 3600_000).toISOString();
    let purgedDocuments = 0;
    let expiredTransactions = 0;

    for (;;) {
      const batch = await db
        .selectFrom('ehr_transactions as t')
        .select('t.id')
        .where('t.blob_purged_at', 'is', null)
        .where('t.expired_at', 'is', null)
        .where((eb) => eb.exists(eb.selectFrom('ehr_deliveries as d').select(sql<number>`1`.as('one')).whereRef('d.transaction_id', '=', 't.id')))
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('ehr_deliveries as d')
                .select(sql<number>`1`.as('one'))
                .whereRef('d.transaction_id', '=', 't.id')
                .where((w) => w.or([w('d.finished_at', 'is', null), w('d.finished_at', '>', docCutoff)])),
            ),
          ),
        )
        .limit(500)
        .execute();
      if (batch.length === 0) break;
      const ids = batch.map((b) => b.id);
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('ehr_document_blobs').where('transaction_id', 'in', ids).execute();
        await trx.updateTable('ehr_transactions').set({ blob_purged_at: nowIso }).where('id', 'in', ids).execute();
      });
      purgedDocuments += ids.length;
    }

    const redactedPreviews = await this.redactPreviews(new Date(now.getTime() - policy.messagePreviewDays * DAY_MS).toISOString(), nowIso);

    for (;;) {
      const batch = await db.selectFrom('ehr_transactions').select('id').where('expired_at', 'is', null).where('tracking_until', '<=', nowIso).limit(500).execute();
      if (batch.length === 0) break;
      const ids = batch.map((b) => b.id);
      await db.transaction().execute(async (trx) => {
        const dIds = (await trx.selectFrom('ehr_deliveries').select('id').where('transaction_id', 'in', ids).execute()).map((r) => r.id);
        if (dIds.length) {
          await trx.deleteFrom('ehr_delivery_events').where('delivery_id', 'in', dIds).execute();
          await trx.deleteFrom('ehr_delivery_attempts').where('delivery_id', 'in', dIds).execute();
          await trx.deleteFrom('ehr_deliveries').where('id', 'in', dIds).execute();
        }
        await trx.deleteFrom('ehr_document_blobs').where('transaction_id', 'in', ids).execute();
        await trx
          .updateTable('ehr_transactions')
          .set({ expired_at: nowIso, title: null, blob_purged_at: nowIso })
          .where('id', 'in', ids)
          .execute();
      });
      expiredTransactions += ids.length;
    }

    await db.deleteFrom('ehr_transactions').where('expired_at', '<=', new Date(now.getTime() - TOMBSTONE_MS).toISOString()).execute();
    await db.deleteFrom('ehr_request_keys').where('expires_at', '<=', nowIso).execute();
    await db.deleteFrom('oauth_tokens').where('expires_at', '<=', nowIso).execute();
    if (purgedDocuments || redactedPreviews || expiredTransactions) {
      this.deps.logger.info({ purgedDocuments, redactedPreviews, expiredTransactions }, 'send-to-ehr: retention applied');
    }
    return { purgedDocuments, redactedPreviews, expiredTransactions };
  }

  /**
   * The preview shows the message as sent, PID included (name, birth date, SSN...): useful while
   * a delivery can still be investigated and sent again, not for the whole tracking period.
   * Deliveries that ended before `cutoff` keep only its identifier-free form (see
   * redact-preview.ts). Batched, one short transaction per batch; marked, so idempotent.
   */
  private async redactPreviews(cutoff: string, nowIso: string): Promise<number> {
    let n = 0;
    for (;;) {
      const batch = await this.db
        .selectFrom('ehr_deliveries')
        .select(['id', 'format', 'message_preview'])
        .where('finished_at', '<=', cutoff)
        .where('preview_redacted_at', 'is', null)
        .limit(100)
        .execute();
      if (batch.length === 0) return n;
      await this.db.transaction().execute(async (trx) => {
        for (const d of batch) {
          const preview = d.message_preview === null ? null : redactPreview(d.message_preview, d.format);
          await trx.updateTable('ehr_deliveries').set({ message_preview: preview, preview_redacted_at: nowIso }).where('id', '=', d.id).execute();
        }
      });
      n += batch.length;
    }
  }
}

export type { DeliveryRow, TransactionRow };
