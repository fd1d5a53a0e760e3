import type { Db } from '../../../../store/db.js';
import { nowIso } from '../../../../store/db.js';

/**
 * Possible matches a person must decide (issue 9: "an uncertain match is never merged silently: it
 * waits for a person in the reconciliation page"). One open row per platform record; candidates
 * are EMR ids only and the reason is in words without patient data.
 */
export type ReviewStatus = 'open' | 'linked' | 'created' | 'ignored';

export interface SyncReview {
  id: number;
  kind: string;
  platformSystem: string;
  platformId: string;
  candidates: string[];
  reason: string;
  status: ReviewStatus;
  messageId: number | null;
  resolvedTo: string | null;
  resolvedBy: string | null;
  createdAt: string;
  resolvedAt: string | null;
}

type Row = {
  id: string | number;
  kind: string;
  platform_system: string;
  platform_id: string;
  candidates: string;
  reason: string;
  status: string;
  message_id: string | number | null;
  resolved_to: string | null;
  resolved_by: string | null;
  created_at: string;
  resolved_at: string | null;
};

function toReview(r: Row): SyncReview {
  return {
    id: Number(r.id),
    kind: r.kind,
    platformSystem: r.platform_system,
    platformId: r.platform_id,
    candidates: JSON.parse(r.candidates) as string[],
    reason: r.reason,
    status: r.status as ReviewStatus,
    messageId: r.message_id === null ? null : Number(r.message_id),
    resolvedTo: r.resolved_to,
    resolvedBy: r.resolved_by,
    createdAt: r.created_at,
    resolvedAt: r.resolved_at,
  };
}

export class SyncReviews {
  constructor(private readonly db: Db) {}

  /** The open review of a platform record, if any. */
  async findOpen(platformSystem: string, platformId: string): Promise<SyncReview | undefined> {
    const r = await this.db
      .selectFrom('sync_reviews')
      .selectAll()
      .where('platform_system', '=', platformSystem)
      .where('platform_id', '=', platformId)
      .where('status', '=', 'open')
      .orderBy('id')
      .executeTakeFirst();
    return r ? toReview(r) : undefined;
  }

  /** The newest review of a platform record, whatever its status (a person's decision is read from it). */
  async latestFor(platformSystem: string, platformId: string): Promise<SyncReview | undefined> {
    const open = await this.findOpen(platformSystem, platformId);
    if (open) return open;
    const r = await this.db
      .selectFrom('sync_reviews')
      .selectAll()
      .where('platform_system', '=', platformSystem)
      .where('platform_id', '=', platformId)
      .orderBy('id', 'desc')
      .executeTakeFirst();
    return r ? toReview(r) : undefined;
  }

  /**
   * Opens a review unless one is open for the record already (then that one is returned and
   * `opened` is false: a second message adds nothing). Two processes racing may both insert;
   * readers take the oldest open row, so the effect is the same.
   */
  async open(r: { kind: string; platformSystem: string; platformId: string; candidates: string[]; reason: string; messageId?: number }): Promise<{ review: SyncReview; opened: boolean }> {
    const existing = await this.findOpen(r.platformSystem, r.platformId);
    if (existing) return { review: existing, opened: false };
    await this.db
      .insertInto('sync_reviews')
      .values({
        kind: r.kind,
        platform_system: r.platformSystem,
        platform_id: r.platformId,
        candidates: JSON.stringify(r.candidates),
        reason: r.reason,
        status: 'open',
        message_id: r.messageId ?? null,
        resolved_to: null,
        resolved_by: null,
        created_at: nowIso(),
        resolved_at: null,
      })
      .execute();
    return { review: (await this.findOpen(r.platformSystem, r.platformId))!, opened: true };
  }

  async list(opts: { status?: ReviewStatus; limit?: number } = {}): Promise<SyncReview[]> {
    let q = this.db.selectFrom('sync_reviews').selectAll().orderBy('id', 'desc').limit(opts.limit ?? 200);
    if (opts.status) q = q.where('status', '=', opts.status);
    return (await q.execute()).map(toReview);
  }

  async get(id: number): Promise<SyncReview | undefined> {
    const r = await this.db.selectFrom('sync_reviews').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? toReview(r) : undefined;
  }

  /**
   * Closes an open review (`linked` to an EMR id, `created` as a new patient, `ignored`). Only an
   * open row changes; false when it was not open any more (someone else decided first). The
   * caller writes the link itself (LinkStore) before closing, so a crash between leaves the
   * review open and the next message finds the link.
   */
  async resolve(id: number, status: Exclude<ReviewStatus, 'open'>, by: string, resolvedTo?: string): Promise<boolean> {
    const r = await this.db
      .updateTable('sync_reviews')
      .set({ status, resolved_by: by, resolved_to: resolvedTo ?? null, resolved_at: nowIso() })
      .where('id', '=', id)
      .where('status', '=', 'open')
      .executeTakeFirst();
    return Number(r.numUpdatedRows ?? 0) === 1;
  }
}
