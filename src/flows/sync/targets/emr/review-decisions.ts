import { SYSTEMS, type LinkStore } from '../../../../links/link-store.js';
import { requeueMessages } from '../../../../messages/requeue.js';
import type { Db } from '../../../../store/db.js';
import { SyncReviews, type SyncReview } from './reviews.js';

/**
 * A person's answer to a match review (issue 9: "it waits for a person in the reconciliation
 * page"), for the Reconciliation page and API:
 * - `link`: the platform record is this EMR patient. The reverse link is written (a contact also
 *   gets the forward row unless its EMR patient has one), so every later message finds it first;
 * - `create`: it is a new patient: the next processing skips the demographic match and creates;
 * - `ignore`: leave it out of the EMR (later messages say so and write nothing).
 * The message that opened the review is then processed again (requeued; the caller wakes the
 * processor), so the decision takes effect without waiting for the record to change in OnCall.
 * Order matters for a crash in between: the link is written before the review closes, so a
 * reprocessed message finds the link even if the review still looks open.
 */
export type ReviewDecision = { action: 'link'; emrPatientId: string } | { action: 'create' } | { action: 'ignore' };

export type DecideResult = { ok: true; review: SyncReview; requeued: boolean } | { ok: false; reason: 'not found' | 'already decided' };

export async function decideReview(db: Db, links: LinkStore, id: number, decision: ReviewDecision, by: string): Promise<DecideResult> {
  const reviews = new SyncReviews(db);
  const review = await reviews.get(id);
  if (!review) return { ok: false, reason: 'not found' };
  if (review.status !== 'open') return { ok: false, reason: 'already decided' };
  const platform = { system: review.platformSystem, id: review.platformId };
  if (decision.action === 'link') {
    const emrId = decision.emrPatientId.trim();
    // A contact URL is linked as a patient; a participant without a contact by its participant row.
    const isContact = /\/contacts\//.test(review.platformId);
    await links.put({ kind: isContact ? 'patient' : 'participant', sourceSystem: platform.system, sourceId: platform.id, targetSystem: SYSTEMS.emr, targetId: emrId, projectionHash: null });
    if (isContact && !(await links.find('patient', { system: SYSTEMS.emr, id: emrId }, platform.system))) {
      await links.put({ kind: 'patient', sourceSystem: SYSTEMS.emr, sourceId: emrId, targetSystem: platform.system, targetId: platform.id });
    }
  }
  const status = decision.action === 'link' ? 'linked' : decision.action === 'create' ? 'created' : 'ignored';
  if (!(await reviews.resolve(id, status, by, decision.action === 'link' ? decision.emrPatientId.trim() : undefined))) return { ok: false, reason: 'already decided' };
  let requeued = false;
  if (review.messageId !== null && decision.action !== 'ignore') {
    requeued = (await requeueMessages(db, { ids: [review.messageId] }, by)).requeued === 1;
  }
  return { ok: true, review: (await reviews.get(id))!, requeued };
}
