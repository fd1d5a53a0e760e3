import type { Db } from '../store/db.js';
import type { MessageRetention } from './settings.js';
import type { MessageStatus } from './types.js';

const DAY_MS = 24 * 3600_000;
/** Messages per DELETE: each batch is a short write (children go with them by ON DELETE CASCADE). */
const BATCH = 1000;

/**
 * Retention of the message store: processed and ignored messages are deleted `processedDays`
 * after they were received, failed and rejected ones `failedDays` after (they are kept longer
 * so someone can look into them). A message still waiting to be processed (`received`) is
 * never deleted. Batched and idempotent: an interrupted pass is finished by the next one.
 */
export async function purgeMessages(db: Db, policy: MessageRetention, now = new Date()): Promise<{ messages: number }> {
  const groups: [MessageStatus[], number][] = [
    [['processed', 'ignored'], policy.processedDays],
    [['failed', 'rejected'], policy.failedDays],
  ];
  let messages = 0;
  for (const [statuses, days] of groups) {
    const cutoff = new Date(now.getTime() - days * DAY_MS).toISOString();
    for (const status of statuses) {
      for (;;) {
        const ids = (
          await db.selectFrom('messages').select('id').where('status', '=', status).where('received_at', '<', cutoff).orderBy('received_at').limit(BATCH).execute()
        ).map((r) => Number(r.id));
        if (ids.length === 0) break;
        const r = await db.deleteFrom('messages').where('id', 'in', ids).executeTakeFirst();
        messages += Number(r.numDeletedRows);
        if (ids.length < BATCH) break;
      }
    }
  }
  return { messages };
}
