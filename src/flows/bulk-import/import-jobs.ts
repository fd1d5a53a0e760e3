import type { Logger } from 'pino';
import type { JobHandlers, JobQueue } from '../../queue/queue.js';
import type { Db } from '../../store/db.js';
import { Leases } from '../../store/repos/leases.js';
import type { XrefStore } from '../../store/repos/xrefs.js';
import { ChunkIncomplete, processChunk, RunAborted } from './process-chunk.js';
import type { RunRow, RunStore } from './run-store.js';
import { CHUNK_SIZE } from './run-status.js';
import { scanExisting } from './scan-existing.js';
import type { ImportTarget, ScanProgress } from './targets/import-target.js';
import { PREPARING, SENDING } from './run-progress.js';
import { isPartnerError } from '../../partners/partner-error.js';

export const IMPORT_JOBS = { prepare: 'import.prepare', chunk: 'import.chunk' } as const;

export interface ImportJobDeps {
  db: Db;
  queue: JobQueue;
  runs: RunStore;
  xrefs: XrefStore;
  logger: Logger;
  targetFor(run: RunRow): ImportTarget;
  batchSize?: number;
  ambiguityDelayMs?: number;
}

/**
 * The two queue jobs of a run:
 * - prepare: learns what already exists on the platform (records carrying an EMR id) so a
 *   re-import, even from another database, finds them; then enqueues one job per chunk.
 * - chunk: sends the open rows of one chunk of CHUNK_SIZE lines. A lease makes sure one chunk
 *   is worked on by one process at a time, even when a job was enqueued twice.
 */
export function importJobHandlers(deps: ImportJobDeps): JobHandlers {
  return {
    [IMPORT_JOBS.prepare]: async (payload, job) => {
      const runId = String(payload.runId);
      const run = await deps.runs.get(runId);
      if (!run || run.status !== 'running') return;
      const target = deps.targetFor(run);
      if (run.options.scanExisting) {
        try {
          let n = 0;
          await deps.runs.setProgress(runId, PREPARING);
          // Each page's figures are written as they come (a page is 100 records), so the run page
          // can say "Looking for patients already in OnCall: 1,200 of 5,000".
          let writing = Promise.resolve();
          const onPage: ScanProgress = ({ listed, count }) => {
            writing = writing.then(() => deps.runs.setProgress(runId, { phase: 'preparing', checked: listed, total: Math.max(count, listed) }));
          };
          for await (const _ of scanExisting(deps.xrefs, target, true, onPage)) n++;
          await writing;
          job.logger.info({ runId, existing: n }, 'import: scanned existing records');
        } catch (e) {
          if (isPartnerError(e) && e.kind === 'auth') return abortRun(deps, runId, e.message);
          throw e;
        }
      }
      await deps.runs.setProgress(runId, SENDING);
      await enqueueOpenChunks(deps, runId);
    },

    [IMPORT_JOBS.chunk]: async (payload, job) => {
      const runId = String(payload.runId);
      const chunk = Math.floor(Number(payload.chunk));
      const run = await deps.runs.get(runId);
      if (!run || run.status !== 'running') return;
      const leaseName = `import:${runId}:${chunk}`;
      // One holder per job, not per process: a chunk resumed while its previous job is still
      // stopping is enqueued again in the same process, and a per-process holder would let the
      // second job "renew" the first one's lease and send the same rows at the same time.
      // The lease lives as long as the queue gives a silent worker: a chunk whose process died
      // on another machine is free again when its job is handed to a live worker.
      const leases = new Leases(deps.db, deps.queue.workerDeadAfterMs);
      if (!(await leases.claim(leaseName))) {
        // Another process works on this chunk; look again shortly in case it stops.
        await deps.queue.add({ name: IMPORT_JOBS.chunk, payload: { runId, chunk }, runAt: new Date(Date.now() + 2000) });
        return;
      }
      let result: 'done' | 'stopped';
      try {
        result = await leases.hold(leaseName, (lost) =>
          processChunk(
            {
              db: deps.db,
              runs: deps.runs,
              xrefs: deps.xrefs,
              target: deps.targetFor(run),
              logger: job.logger,
              // Stop at a safe point on shutdown, and when a live worker took the lease over
              // while this process was stalled.
              signal: AbortSignal.any([job.signal, lost]),
              batchSize: deps.batchSize,
              ambiguityDelayMs: deps.ambiguityDelayMs,
            },
            run,
            chunk,
          ),
        );
      } catch (e) {
        if (e instanceof RunAborted) return abortRun(deps, runId, e.message);
        if (e instanceof ChunkIncomplete) job.logger.warn({ runId, chunk }, e.message);
        throw e;
      }
      if (result === 'stopped') {
        // Paused and resumed while we were stopping: make sure the chunk is picked up again.
        const now = await deps.runs.get(runId);
        if (now?.status === 'running') await deps.queue.add({ name: IMPORT_JOBS.chunk, payload: { runId, chunk } });
        return;
      }
      await finishIfDone(deps, runId);
    },
  };
}

export async function enqueueOpenChunks(deps: Pick<ImportJobDeps, 'queue' | 'runs'>, runId: string): Promise<number> {
  const chunks = await deps.runs.openChunks(runId, CHUNK_SIZE);
  for (const chunk of chunks) await deps.queue.add({ name: IMPORT_JOBS.chunk, payload: { runId, chunk } });
  if (!chunks.length) await finishIfDone(deps, runId);
  return chunks.length;
}

async function finishIfDone(deps: Pick<ImportJobDeps, 'runs'>, runId: string): Promise<void> {
  if (!(await deps.runs.hasOpenRows(runId))) {
    await deps.runs.transition(runId, ['running'], 'completed', { finished_at: new Date().toISOString() });
  }
}

async function abortRun(deps: ImportJobDeps, runId: string, message: string): Promise<void> {
  deps.logger.error({ runId }, 'import: stopped, the partner refused the credentials');
  await deps.runs.transition(runId, ['running', 'paused'], 'failed', { error: message, finished_at: new Date().toISOString() });
}
