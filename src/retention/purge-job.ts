import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { JobHandlers, JobQueue } from '../queue/queue.js';
import type { Db } from '../store/db.js';
import { DAY_MS, retentionPolicy } from './policy.js';
import { purgeImportRows } from './purge-import-rows.js';
import { purgeMessages } from '../messages/retention.js';
import { messageRetention, type MessageRetention } from '../messages/settings.js';

/**
 * The one purge job of the retention policy (issue 6, item 9). It runs at start and then every
 * `retention.purgeIntervalMinutes`, as a job on the durable queue: with several processes on one
 * PostgreSQL database, the job key of each time slot makes one of them run it. Every step is
 * batched, idempotent and safe to interrupt; a failed run is retried by the queue, and the next
 * slot is scheduled before the work so that a failure never stops the cycle.
 */
export const PURGE_JOB = 'retention.purge';
/** The job's name before this module existed: such jobs may wait in an existing database. */
const LEGACY_PURGE_JOB = 'send-to-ehr.retention';

export interface PurgeDeps {
  db: Db;
  queue: JobQueue;
  config: Pick<Config, 'retention' | 'ehr'>;
  logger: Logger;
  /** The documents part (bytes, previews, tracking, tokens): SendToEhrService.runRetention. */
  documents: (now: Date) => Promise<{ purgedDocuments: number; redactedPreviews: number; expiredTransactions: number }>;
  /** Inbound messages (src/messages/retention.ts); default from the environment. */
  messageRetention?: MessageRetention;
}

export interface PurgeSummary {
  importRuns: number;
  importRows: number;
  purgedDocuments: number;
  redactedPreviews: number;
  expiredTransactions: number;
  /** Inbound messages deleted (processed/ignored and failed/rejected ones past their time). */
  messages: number;
}

/** Applies every retention setting once, as of `now`. */
export async function runPurge(deps: PurgeDeps, now = new Date()): Promise<PurgeSummary> {
  const policy = retentionPolicy(deps.config);
  const rows = await purgeImportRows(deps.db, new Date(now.getTime() - policy.importRowsDays * DAY_MS), now);
  const docs = await deps.documents(now);
  const msgs = await purgeMessages(deps.db, deps.messageRetention ?? messageRetention(), now);
  const summary = { importRuns: rows.runs, importRows: rows.rows, ...docs, messages: msgs.messages };
  // Counts only: what was purged is patient data, the log never says which.
  if (Object.values(summary).some((n) => n > 0)) deps.logger.info(summary, 'retention: purge applied');
  return summary;
}

export function purgeJobHandlers(deps: PurgeDeps): JobHandlers {
  const handler = async () => {
    await schedulePurge(deps, new Date(Date.now() + intervalMs(deps)));
    await runPurge(deps);
  };
  return { [PURGE_JOB]: handler, [LEGACY_PURGE_JOB]: handler };
}

/** Adds the purge job for the slot of `at` (idempotent per slot: many processes add it once). */
export async function schedulePurge(deps: Pick<PurgeDeps, 'queue' | 'config'>, at = new Date()): Promise<void> {
  const every = intervalMs(deps);
  const slot = new Date(Math.floor(at.getTime() / every) * every);
  await deps.queue.add({ name: PURGE_JOB, payload: {}, jobKey: `${PURGE_JOB}:${slot.toISOString()}`, runAt: at, maxAttempts: 5 });
}

function intervalMs(deps: Pick<PurgeDeps, 'config'>): number {
  return retentionPolicy(deps.config).purgeIntervalMinutes * 60_000;
}
