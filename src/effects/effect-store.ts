import type { Db } from '../store/db.js';
import { nowIso } from '../store/db.js';
import { isPartnerError } from '../partners/partner-error.js';
import { sendExactlyOnce, type ExactlyOnceSpec } from './exactly-once.js';

/**
 * Outbound writes with a durable intent (issue 8, "effects"). Before a create is sent, a row
 * `intent` is committed under a key that names the write (e.g. `oncall:contact:create:<emr id>`);
 * after the answer it becomes `done` with the partner's id. A process killed in between leaves
 * the intent: the next attempt looks the record up first and sends only if it is not there.
 * A refusal (4xx) proves nothing was written, so the intent is dropped.
 */
export interface EffectSpec<T> extends ExactlyOnceSpec<T> {
  key: string;
  target: string;
  action: string;
  messageId?: number;
  /** The partner's id of the result (its URL), kept on the done row. */
  idOf(record: T): string;
}

export interface EffectResult<T> {
  /** Null when the effect was already done before (only its id is known). */
  record: T | null;
  id: string;
  how: 'sent' | 'confirmed-by-lookup' | 'already-done';
}

export class EffectStore {
  constructor(private readonly db: Db) {}

  async run<T>(spec: EffectSpec<T>): Promise<EffectResult<T>> {
    const now = nowIso();
    const inserted = await this.db
      .insertInto('effects')
      .values({ key: spec.key, target: spec.target, action: spec.action, status: 'intent', result: null, message_id: spec.messageId ?? null, created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
      const row = await this.db.selectFrom('effects').select(['status', 'result']).where('key', '=', spec.key).executeTakeFirst();
      if (row?.status === 'done' && row.result) return { record: null, id: row.result, how: 'already-done' };
      // An intent without an outcome: an earlier attempt may have written it. Look first.
      const found = await spec.lookup();
      if (found) {
        await this.done(spec.key, spec.idOf(found));
        return { record: found, id: spec.idOf(found), how: 'confirmed-by-lookup' };
      }
    }
    try {
      const r = await sendExactlyOnce(spec);
      const id = spec.idOf(r.record);
      await this.done(spec.key, id);
      return { record: r.record, id, how: r.how };
    } catch (e) {
      // A refusal proves nothing was created: the intent goes, a later attempt starts clean.
      if (isPartnerError(e) && (e.kind === 'permanent' || e.kind === 'auth')) await this.forget(spec.key);
      throw e;
    }
  }

  /** Forgets a done create (its record was deleted on the partner side and must be made again). */
  async forget(key: string): Promise<void> {
    await this.db.deleteFrom('effects').where('key', '=', key).execute();
  }

  async pendingIntents(): Promise<number> {
    const r = await this.db.selectFrom('effects').select((eb) => eb.fn.countAll<string | number>().as('n')).where('status', '=', 'intent').executeTakeFirstOrThrow();
    return Number(r.n);
  }

  private async done(key: string, id: string): Promise<void> {
    await this.db.updateTable('effects').set({ status: 'done', result: id, updated_at: nowIso() }).where('key', '=', key).execute();
  }
}
