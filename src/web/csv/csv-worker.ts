/**
 * Web Worker that reads the chosen file off the page's thread: streams and parses it
 * (read-csv-stream.ts), counts rows, keeps the first rows for the preview, and — when given a
 * mapping — checks every row with the shared validator as chunks arrive, streaming problems
 * back so the first ones show within a second even for a 1,000,000-row file.
 */
import { readCsvStream, type CsvRow } from './read-csv-stream.js';
import { createRowChecker, suggestTemplate, type RowChecker } from './row-checker.js';
import type { ReadRequest, RowProblem, WorkerMessage, WorkerRequest } from './worker-protocol.js';

// The repo type-checks with the DOM lib only (adding "webworker" would clash with it), so the
// worker scope is described by the two members used here.
interface WorkerScope {
  postMessage(message: WorkerMessage): void;
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null;
}
const scope = self as unknown as WorkerScope;
let current: { jobId: number; abort: AbortController } | null = null;

/** Progress is sent at most this often (plus at once when the first problems appear). */
const PROGRESS_EVERY_MS = 100;

scope.onmessage = (event) => {
  const msg = event.data;
  if (msg.type === 'cancel') {
    if (current?.jobId === msg.jobId) current.abort.abort();
    return;
  }
  current?.abort.abort();
  const job = { jobId: msg.jobId, abort: new AbortController() };
  current = job;
  void runRead(msg, job.abort.signal).finally(() => {
    if (current === job) current = null;
  });
};

async function runRead(req: ReadRequest, signal: AbortSignal): Promise<void> {
  const startedAt = performance.now();
  const { jobId } = req;
  const post = (m: WorkerMessage) => {
    if (!signal.aborted) scope.postMessage(m);
  };
  let header: string[] = [];
  let checker: RowChecker | null = null;
  /** Rows read before the checker exists (the suggestion needs the first rows as samples). */
  let waiting: CsvRow[] | null = req.template ? [] : null;
  const preview: CsvRow[] = [];
  let previewSent = false;
  let rows = 0;
  let invalidRows = 0;
  let problemsSent = 0;
  let outbox: RowProblem[] = [];
  let lastPost = 0;

  const check = (batch: CsvRow[]) => {
    if (!checker) return;
    for (const row of batch) {
      const problem = checker(row);
      if (!problem) continue;
      invalidRows++;
      if (problemsSent < req.maxProblems) {
        outbox.push(problem);
        problemsSent++;
      }
    }
  };

  const startChecking = () => {
    if (!req.template || checker) return;
    let template = req.template;
    if (template === 'suggest') {
      const suggested = suggestTemplate(header, req.recordType, preview.map((r) => r.cells));
      template = req.suggestOptions ? { ...suggested, options: { ...req.suggestOptions, ...suggested.options } } : suggested;
    }
    if (req.template === 'suggest') post({ type: 'suggested', jobId, template });
    checker = createRowChecker(template, req.recordType, header, req.formFields ?? []);
    if (checker.headerIssues.length > 0) post({ type: 'header-issues', jobId, issues: [...checker.headerIssues] });
    if (waiting) check(waiting);
    waiting = null;
  };

  const flush = (bytes: number, force: boolean) => {
    const now = performance.now();
    const firstProblems = outbox.length > 0 && problemsSent === outbox.length;
    if (!force && !firstProblems && now - lastPost < PROGRESS_EVERY_MS) return;
    lastPost = now;
    post({ type: 'progress', jobId, rows, bytes, invalidRows, problems: outbox });
    outbox = [];
  };

  try {
    await readCsvStream(
      req.file.stream().getReader(),
      {
        onHeader(h, sniff) {
          header = h;
          post({ type: 'header', jobId, header, sniff, totalBytes: req.file.size });
        },
        onRows(batch, bytes) {
          if (signal.aborted) return;
          rows += batch.length;
          if (!previewSent) {
            for (const r of batch) {
              if (preview.length >= req.previewRows) break;
              preview.push(r);
            }
            if (preview.length >= req.previewRows || batch.length === 0 || bytes >= req.file.size) {
              post({ type: 'preview', jobId, rows: preview });
              previewSent = true;
            }
          }
          if (waiting) {
            for (const r of batch) waiting.push(r);
            if (previewSent) startChecking();
          } else {
            check(batch);
          }
          flush(bytes, false);
        },
      },
      signal,
    );
    if (signal.aborted) return;
    if (!previewSent) post({ type: 'preview', jobId, rows: preview });
    startChecking();
    flush(req.file.size, true);
    post({ type: 'done', jobId, rows, bytes: req.file.size, invalidRows, elapsedMs: performance.now() - startedAt });
  } catch (cause) {
    if (signal.aborted) return;
    const message = cause instanceof Error ? cause.message : String(cause);
    post({ type: 'failed', jobId, message });
  }
}
