import type { Logger } from 'pino';
import type { Db } from '../../store/db.js';
import type { Leases } from '../../store/repos/leases.js';
import { dbNowIso } from '../../messages/message-store.js';
import { isPartnerError } from '../../partners/partner-error.js';
import { OutcomeUnknown } from '../../effects/exactly-once.js';
import type { SyncProcessorHandle } from './sync-service.js';
import { SyncRefused, type EmrSyncTarget, type SyncTarget } from './sync-target.js';
import { decodeStored, type Decoders } from './to-events.js';
import { Trace } from './trace.js';

export interface ProcessorDeps {
  db: Db;
  /** Where EMR events go (OnCall). */
  target: SyncTarget;
  /** Where platform records go (the EMR, issue 9); without it they are refused. */
  emrTarget?: EmrSyncTarget;
  decoders: Decoders;
  logger: Logger;
  /** Patients applied at once in this process. */
  concurrency: number;
  /** Tries of one message on temporary failures before it is marked failed. */
  maxAttempts: number;
  /** PostgreSQL with several processes: per-patient leases so two processes never apply one patient at once. */
  leases?: Leases;
  /** Poll for messages stored by other processes (and retries). Default 500 ms. */
  pollMs?: number;
  /**
   * Whether a newer version of the same record was already applied (a FHIR feed can store an
   * older version after a newer one when a notification and a poll race): the message is then
   * skipped, not applied over the newer state. Returns the reason in words, or null.
   */
  superseded?: (m: { id: number; channel: string; controlId: string }) => Promise<string | null>;
}

interface Waiting {
  id: number;
  keys: string[];
}

const FETCH = 500;
const READ_GAP_MS = 15;
const AUTH_PAUSE_MS = 30_000;

/**
 * Applies stored messages (issue 8, "per-patient ordering"): messages of one patient in the
 * order received, different patients in parallel. A message's keys are its patient ids (an A40
 * has both patients, so it waits for everything received before it for either). A message is
 * started only when none of its keys is busy or waiting on an earlier message; it is taken by a
 * compare-and-set on its status, so two processes never apply it twice; on PostgreSQL a lease
 * per patient key keeps two processes off one patient.
 *
 * Outcomes: processed; failed (content the target cannot use, a partner refusal, or temporary
 * failures past maxAttempts, with its error in words); or left `received` with a backoff for
 * that patient (a temporary failure: later messages of that patient wait, others go on). A
 * refused credential pauses the whole processor.
 */
export class SyncProcessor implements SyncProcessorHandle {
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private readonly busy = new Set<string>();
  private readonly inflight = new Map<number, Promise<void>>();
  private readonly backoff = new Map<string, number>();
  private pausedUntil = 0;
  private woken = false;
  private lastRead = 0;
  private lastError: string | null = null;
  readonly stats = { processed: 0, failed: 0, retried: 0, partnerCalls: 0 };

  constructor(private readonly d: ProcessorDeps) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run().catch((e: unknown) => {
      this.d.logger.error({ err: { name: (e as Error).name, message: (e as Error).message } }, 'sync: processor stopped on an unexpected error');
      this.running = false;
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    await Promise.allSettled(this.inflight.values());
    await this.d.emrTarget?.close?.().catch(() => undefined);
  }

  wake(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    // Woken while not asleep (reading waiting messages): the next sleep is skipped, so a
    // message stored during that read is not left for the next poll.
    if (w) w();
    else this.woken = true;
  }

  /** The last processor-wide problem (refused credentials), for the Sync page. */
  get problem(): string | null {
    return Date.now() < this.pausedUntil ? this.lastError : null;
  }

  private async run(): Promise<void> {
    const pollMs = this.d.pollMs ?? 500;
    while (this.running) {
      this.woken = false;
      let started = 0;
      if (Date.now() >= this.pausedUntil) {
        try {
          started = await this.startReady();
        } catch (e) {
          this.d.logger.warn({ err: { name: (e as Error).name, message: (e as Error).message } }, 'sync: could not read waiting messages; trying again');
        }
      }
      if (!this.running) break;
      // Sleep until woken (a new message, a finished one) or the poll interval.
      if ((started === 0 || this.inflight.size >= this.d.concurrency) && !this.woken) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, pollMs);
          this.wakeUp = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    }
  }

  /** Starts every message that may go now; returns how many were started. */
  private async startReady(): Promise<number> {
    const free = this.d.concurrency - this.inflight.size;
    if (free <= 0) return 0;
    // Every stored and every finished message wakes the processor: reading the waiting list at
    // most every READ_GAP_MS gathers those wakes into one query (it was a third of the CPU).
    const gap = this.lastRead + READ_GAP_MS - Date.now();
    if (gap > 0) await new Promise((r) => setTimeout(r, gap));
    this.lastRead = Date.now();
    const waiting = await this.waiting();
    const blocked = new Set<string>();
    const now = Date.now();
    // Expired pauses go, so the map stays as small as the patients currently failing.
    for (const [k, until] of this.backoff) if (until <= now) this.backoff.delete(k);
    let started = 0;
    for (const m of waiting) {
      if (this.inflight.has(m.id)) {
        for (const k of m.keys) blocked.add(k);
        continue;
      }
      const held = m.keys.some((k) => blocked.has(k) || this.busy.has(k) || (this.backoff.get(k) ?? 0) > now);
      // Later messages of these patients wait behind this one, whatever happens to it.
      for (const k of m.keys) blocked.add(k);
      if (held || started >= free) continue;
      if (!(await this.claimKeys(m.keys))) continue;
      for (const k of m.keys) this.busy.add(k);
      started++;
      const p = this.process(m)
        .catch((e: unknown) => this.d.logger.error({ err: { name: (e as Error).name, message: (e as Error).message }, message: m.id }, 'sync: unexpected error'))
        .finally(async () => {
          for (const k of m.keys) this.busy.delete(k);
          await this.releaseKeys(m.keys);
          this.inflight.delete(m.id);
          this.wake();
        });
      this.inflight.set(m.id, p);
    }
    return started;
  }

  /** The oldest waiting messages with their patient keys, in arrival order. */
  private async waiting(): Promise<Waiting[]> {
    const rows = await this.d.db
      .selectFrom('messages as m')
      .leftJoin('message_patients as p', 'p.message_id', 'm.id')
      .select(['m.id', 'p.patient_id'])
      .where('m.id', 'in', (eb) => eb.selectFrom('messages').select('id').where('status', '=', 'received').orderBy('received_at').orderBy('id').limit(FETCH))
      .orderBy('m.id')
      .execute();
    const byId = new Map<number, Waiting>();
    for (const r of rows) {
      const id = Number(r.id);
      let w = byId.get(id);
      if (!w) byId.set(id, (w = { id, keys: [] }));
      if (r.patient_id) w.keys.push(`p:${r.patient_id}`);
    }
    for (const w of byId.values()) if (!w.keys.length) w.keys.push(`m:${w.id}`);
    return [...byId.values()].sort((a, b) => a.id - b.id);
  }

  private async claimKeys(keys: string[]): Promise<boolean> {
    const leases = this.d.leases;
    if (!leases) return true;
    const got: string[] = [];
    for (const k of keys) {
      if (!(await leases.claim(`sync:${k}`))) {
        for (const g of got) await leases.release(`sync:${g}`);
        return false;
      }
      got.push(k);
    }
    return true;
  }

  private async releaseKeys(keys: string[]): Promise<void> {
    if (!this.d.leases) return;
    for (const k of keys) await this.d.leases.release(`sync:${k}`).catch(() => undefined);
  }

  private async process(m: Waiting): Promise<void> {
    const { db } = this.d;
    // Compare-and-set: only one attempt takes a waiting message (another process may have done it).
    const taken = await db
      .updateTable('messages')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('id', '=', m.id)
      .where('status', '=', 'received')
      .executeTakeFirst();
    if (Number(taken.numUpdatedRows ?? 0) !== 1) return;
    const row = await db.selectFrom('messages').select(['channel', 'raw', 'event', 'attempts', 'control_id']).where('id', '=', m.id).executeTakeFirstOrThrow();
    const trace = new Trace();
    const newer = await this.d.superseded?.({ id: m.id, channel: row.channel, controlId: row.control_id });
    if (newer) {
      trace.decision(`Nothing to apply: ${newer}`);
      return this.finish(m.id, 'ignored', trace, null);
    }
    const decoded = decodeStored(this.d.decoders, { channel: row.channel, raw: row.raw, event: row.event });
    if (decoded.kind === 'nothing') {
      trace.decision(`Nothing to apply: ${decoded.reason}`);
      return this.finish(m.id, 'ignored', trace, null);
    }
    if (decoded.kind === 'refused') {
      // Content that cannot be used is *rejected*, as on arrival: reprocessing a refused message
      // with the same configuration leaves it refused, not failed (failed can succeed on a retry).
      trace.error(decoded.reason);
      return this.finish(m.id, 'rejected', trace, decoded.reason);
    }
    trace.parsed({
      events: decoded.events.map((e) => ({ ...e })),
      ...(decoded.warnings.length ? { warnings: decoded.warnings } : {}),
    });
    if (!this.d.emrTarget && decoded.events.some((e) => e.type === 'platform-record')) {
      // Stored and shown, nothing written (EHR_BRIDGE_EMR_WRITE=off); reprocessing applies it later.
      trace.decision('Nothing applied: writing to the EMR is switched off (EHR_BRIDGE_EMR_WRITE=off)');
      return this.finish(m.id, 'ignored', trace, null);
    }
    let label = this.d.target.label;
    try {
      for (const ev of decoded.events) {
        const c = { messageId: m.id, trace };
        if (ev.type === 'platform-record') {
          const emr = this.d.emrTarget!;
          label = emr.label;
          await emr.record(ev, c);
        } else if (ev.type === 'patient-upsert') await this.d.target.patient(ev, c);
        else if (ev.type === 'appointment-upsert') await this.d.target.appointment(ev, c);
        else await this.d.target.merge(ev, c);
      }
      this.stats.partnerCalls += trace.calls;
      return await this.finish(m.id, 'processed', trace, null);
    } catch (e) {
      this.stats.partnerCalls += trace.calls;
      return this.failed(m, row.attempts, trace, e, label);
    }
  }

  private async failed(m: Waiting, attempts: number, trace: Trace, e: unknown, label: string): Promise<void> {
    if (e instanceof SyncRefused || (isPartnerError(e) && e.kind === 'permanent')) {
      const text = isPartnerError(e) ? `${label} refused it: ${e.message}` : e.message;
      trace.error(text);
      return this.finish(m.id, 'failed', trace, text);
    }
    if (isPartnerError(e) && e.kind === 'auth') {
      // Every message would fail the same way: pause all, leave this one waiting.
      this.lastError = `${label} refused the credentials; sync paused, trying again in 30 s`;
      this.pausedUntil = Date.now() + AUTH_PAUSE_MS;
      trace.error(this.lastError);
      return this.retryLater(m, trace, 0);
    }
    const text =
      e instanceof OutcomeUnknown
        ? 'no clear answer from the partner; it will be looked up before any resend'
        : isPartnerError(e)
          ? `temporary failure: ${e.message}`
          : 'internal error';
    if (!isPartnerError(e) && !(e instanceof OutcomeUnknown)) {
      this.d.logger.error({ err: { name: (e as Error)?.name, message: (e as Error)?.message }, message: m.id }, 'sync: unexpected error applying a message');
    }
    trace.error(text, { attempt: attempts });
    if (attempts >= this.d.maxAttempts) return this.finish(m.id, 'failed', trace, `${text} (gave up after ${attempts} tries)`);
    return this.retryLater(m, trace, attempts);
  }

  /** Leaves the message waiting; its patients wait too (order), others go on. */
  private async retryLater(m: Waiting, trace: Trace, attempts: number): Promise<void> {
    this.stats.retried++;
    const delay = Math.min(60_000, 500 * 2 ** Math.max(0, attempts - 1));
    for (const k of m.keys) this.backoff.set(k, Date.now() + delay);
    await this.writeTrace(m.id, trace);
  }

  private async finish(id: number, status: 'processed' | 'failed' | 'ignored' | 'rejected', trace: Trace, error: string | null): Promise<void> {
    await this.d.db.transaction().execute(async (trx) => {
      await this.writeTrace(id, trace, trx);
      await trx
        .updateTable('messages')
        .set({ status, error, processed_at: dbNowIso(trx) })
        .where('id', '=', id)
        .execute();
    });
    if (status === 'processed') this.stats.processed++;
    if (status === 'failed') this.stats.failed++;
  }

  private async writeTrace(id: number, trace: Trace, db: Pick<Db, 'insertInto'> = this.d.db): Promise<void> {
    if (!trace.entries.length) return;
    await db
      .insertInto('message_events')
      .values(trace.entries.map((e) => ({ message_id: id, at: new Date().toISOString(), kind: e.kind, detail: JSON.stringify(e.detail) })))
      .execute();
  }
}
