/**
 * `GET /api/workers` in plain words for the imports page: one line per worker process (machine
 * and process number), whether it answers, and what it holds ("2 import chunks of run
 * people.csv"). Task names and lease names are the queue's internal codes, so they are
 * translated here and never shown as they are. Pure, so the wording is tested without a browser.
 */
import type { WorkersStatus } from '../api/workers.js';
import { plural } from '../format/format.js';

export interface HeldItem {
  text: string;
  /** Set when the item belongs to an import run: the panel links to it. */
  runId?: string;
}

export interface WorkerLine {
  key: string;
  title: string;
  alive: boolean;
  state: string;
  holds: HeldItem[];
}

export interface WorkersSummary {
  intro: string;
  lines: WorkerLine[];
}

/** The name an import run goes by on the imports page (its file name, else "Import <id>"). */
export type RunNames = ReadonlyMap<string, string>;

const IMPORT_CHUNK_LEASE = /^import:(.+):(\d+)$/;

/** What a job of each task is, in words (one, many); unknown tasks are counted as "other". */
const TASK_WORDS: Record<string, [string, string]> = {
  'import.prepare': ['import being prepared', 'imports being prepared'],
  'send-to-ehr.deliver': ['document delivery to an EHR', 'document deliveries to EHRs'],
  'retention.purge': ['clean-up of expired data', 'clean-ups of expired data'],
  'send-to-ehr.retention': ['clean-up of expired data', 'clean-ups of expired data'],
};

function runName(names: RunNames, runId: string): string {
  return names.get(runId) ?? `Import ${runId}`;
}

export function summarizeWorkers(status: WorkersStatus, names: RunNames, now = Date.now()): WorkersSummary {
  // A process normally has one row; one that restarted its pool may briefly have two. Staff
  // think in processes, so rows of the same machine and process are shown as one.
  const byProcess = new Map<string, WorkersStatus['workers']>();
  for (const w of status.workers) {
    const key = `${w.host}:${w.pid}`;
    byProcess.set(key, [...(byProcess.get(key) ?? []), w]);
  }
  const lines: WorkerLine[] = [...byProcess].map(([key, rows]) => {
    const first = rows[0]!;
    const alive = rows.some((r) => r.alive);
    const lastBeat = Math.max(...rows.map((r) => Date.parse(r.heartbeatAt)).filter(Number.isFinite));
    // The server already judged it silent for at least the dead-after time; the browser's
    // clock may differ from the database's, so never say less than that.
    const silentFor = Math.max(status.deadAfterSeconds, Math.round((now - lastBeat) / 1000));
    return {
      key,
      title: `Process ${first.pid} on ${first.host}`,
      alive,
      state: alive ? 'Answering' : `Stopped answering ${Number.isFinite(silentFor) ? silentFor : status.deadAfterSeconds} s ago`,
      holds: heldItems(rows, names),
    };
  });

  const alive = lines.filter((l) => l.alive).length;
  let intro: string;
  if (status.queue === 'sqlite') {
    intro = 'With the built-in SQLite database, the work runs inside this server’s own process.';
  } else if (alive === 0) {
    intro = 'No worker process is answering. Imports and deliveries wait until one starts.';
  } else {
    intro =
      `${plural(alive, 'worker process shares', 'worker processes share')} the work. ` +
      `A process that stays silent for ${status.deadAfterSeconds} s has its work taken over by the others.`;
  }
  return { intro, lines };
}

function heldItems(rows: WorkersStatus['workers'], names: RunNames): HeldItem[] {
  const chunksByRun = new Map<string, Set<string>>();
  let otherLeases = 0;
  for (const lease of new Map(rows.flatMap((r) => r.leases).map((l) => [l.name, l])).values()) {
    const m = IMPORT_CHUNK_LEASE.exec(lease.name);
    if (!m) {
      otherLeases++;
      continue;
    }
    const chunks = chunksByRun.get(m[1]!) ?? new Set<string>();
    chunks.add(m[2]!);
    chunksByRun.set(m[1]!, chunks);
  }
  const items: HeldItem[] = [];
  let leasedChunks = 0;
  for (const [runId, chunks] of chunksByRun) {
    leasedChunks += chunks.size;
    items.push({ text: `${plural(chunks.size, 'import chunk', 'import chunks')} of run ${runName(names, runId)}`, runId });
  }

  const jobs = new Map(rows.flatMap((r) => r.jobs).map((j) => [j.id, j]));
  const byTask = new Map<string, number>();
  for (const j of jobs.values()) byTask.set(j.task, (byTask.get(j.task) ?? 0) + 1);
  // A chunk job shows through its lease (which names the run); one that has not taken its
  // lease yet is counted on its own.
  const unleasedChunks = (byTask.get('import.chunk') ?? 0) - leasedChunks;
  if (unleasedChunks > 0) items.push({ text: `${plural(unleasedChunks, 'import chunk', 'import chunks')} starting` });
  byTask.delete('import.chunk');

  const words = new Map<string, [number, [string, string]]>();
  let other = otherLeases;
  for (const [task, n] of byTask) {
    const w = TASK_WORDS[task];
    if (!w) {
      other += n;
      continue;
    }
    const seen = words.get(w[0]);
    words.set(w[0], [(seen?.[0] ?? 0) + n, w]);
  }
  for (const [n, [one, many]] of words.values()) items.push({ text: plural(n, one, many) });
  if (other > 0) items.push({ text: plural(other, 'other background task', 'other background tasks') });
  return items;
}
