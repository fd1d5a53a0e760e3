import type { Logger } from 'pino';
import type { MessageStore } from '../../messages/message-store.js';
import { PartnerError } from '../../partners/partner-error.js';
import type { Dialect } from '../../store/db.js';
import type { Leases } from '../../store/repos/leases.js';
import { ScanBusy, withScanLock } from './scan-lock.js';
import type { PageProgress, ScanRun, ScanStore, ScanTrigger } from './scan-store.js';
import { RECORD_KIND, recordHash, scanMessage, type ScanKind } from './to-message.js';

/** One listing page as OnCall sent it (OncallClient.listPage); null past the last page. */
export interface ScanPage {
  count: number;
  next?: string | null;
  results: unknown[];
}

/** Where the scanner reads pages (the OnCall client; a stub in unit tests). */
export interface ScanSource {
  listPage(kind: ScanKind, page: number, pageSize: number): Promise<ScanPage | null>;
}

export interface ScannerDeps {
  store: ScanStore;
  messages: MessageStore;
  source: () => ScanSource;
  /** Called after a page stored messages: the processor looks for work at once. */
  wake: () => void;
  dialect: Dialect;
  /** One scan of a kind across processes (scan-lock.ts); absent: this process only (unit tests). */
  leases?: Leases;
  logger?: Logger;
  /** OnCall's maximum (partner-apis.md): fewest requests. */
  pageSize?: number;
  /** Pages read ahead (0: none) while one is stored (the client's adaptive limit still bounds OnCall's load). */
  readAhead?: number;
  heartbeatMs?: number;
  /** After each page is committed (tests: switch a fault on mid-scan). */
  afterPage?: (page: number, run: { id: number; nextPage: number }) => Promise<void> | void;
}

export interface ScanResult {
  run: ScanRun;
  /** Pages read by this call (a resumed run read the others before). */
  pagesRead: number;
  /** Pages of the whole run, resumed parts included. */
  pages: number;
  /** The page this call resumed at; null for a new run. */
  resumedAt: number | null;
  /** Messages stored by this call (new or changed records); `run.changed` counts the whole run. */
  stored: number;
  /** Changed records the store already held (a crash between storing and marking): not stored twice. */
  duplicates: number;
  /** Records without a usable `url`, left aside. */
  skipped: number;
  durationMs: number;
}

/** The scan stopped on purpose between two pages (engine shutdown, lease lost): resumable. */
export class ScanStopped extends Error {
  override name = 'ScanStopped';
}

/** Why a run stopped, in words without patient data (PartnerError texts name calls and statuses only). */
export function scanErrorWords(e: unknown): string {
  if (e instanceof PartnerError || e instanceof ScanStopped) return e.message;
  const err = e as NodeJS.ErrnoException;
  return `${err?.name ?? 'Error'}${err?.code ? ` ${err.code}` : ''}: ${String(err?.message ?? e).slice(0, 200)}`;
}

function urlOf(record: unknown): string | undefined {
  const url = record && typeof record === 'object' ? (record as { url?: unknown }).url : undefined;
  return typeof url === 'string' && url.length > 0 && url.length <= 2000 ? url : undefined;
}

/**
 * Pages through `GET /contacts/` (or `/appointments/`) and stores a message for each record
 * that is new or changed since the last scan (issue 9, "Scans"). OnCall has no "changed since"
 * filter and no webhooks for contacts, so every page is read; what is compared is a hash per
 * record against `scan_marks`, so an unchanged roster costs its page GETs and one progress
 * update per page.
 *
 * Per page: the marks of its records are read, changed records are stored through the group
 * commit (a page's messages submitted at once), then the page's marks and the run's progress
 * are committed together. A crash or an outage leaves the run `running`/`interrupted` at the
 * first page not committed; the next scan resumes there. Pages are read `readAhead` at a time
 * once the first page told how many there are, so a 100,000-contact roster costs exactly
 * its 1,000 page GETs and no extra request past the end.
 */
export class OncallScanner {
  constructor(private readonly deps: ScannerDeps) {}

  /**
   * Scans one kind to its last page, or until OnCall fails or `stop` aborts (the run is then
   * `interrupted`, resumed by the next scan). `onStart` hears the run once it is taken (the API
   * answers 202 with it). Throws ScanBusy when a scan of the kind runs already.
   */
  async scan(kind: ScanKind, trigger: ScanTrigger, stop?: AbortSignal, onStart?: (run: ScanRun, resumedAt: number | null) => void): Promise<ScanResult> {
    const { store } = this.deps;
    // OnCall not configured (or its address not known yet): refused before any run row exists.
    const source = this.deps.source();
    return withScanLock(store.db, this.deps.leases, kind, async (lost) => {
      const started = Date.now();
      let run: ScanRun | undefined;
      let resumedAt: number | null = null;
      const unfinished = await store.unfinished(kind);
      if (unfinished) {
        // Under the lease a `running` run is one whose process died (kill -9, a crash): resumed at once.
        run = await store.resume(unfinished);
        if (!run) throw new ScanBusy(kind);
        resumedAt = run.nextPage;
        this.deps.logger?.info({ channel: 'oncall-scan', kind, run: run.id, page: run.nextPage }, 'OnCall scan resumes an unfinished run');
      } else {
        run = await store.start(kind, trigger);
      }
      const runId = run.id;
      onStart?.(run, resumedAt);
      const heartbeat = setInterval(() => void store.heartbeat(runId).catch(() => undefined), this.deps.heartbeatMs ?? 20_000);
      heartbeat.unref();
      const counts = { pagesRead: 0, stored: 0, duplicates: 0, skipped: 0 };
      const progress: PageProgress = { nextPage: run.nextPage, seen: run.seen, changed: run.changed, requests: run.requests };
      try {
        await this.readPages(source, kind, runId, progress, counts, [stop, lost]);
        run = await store.finish(runId, 'done', null, progress.requests);
      } catch (e) {
        run = await store.finish(runId, 'interrupted', scanErrorWords(e), progress.requests);
        this.deps.logger?.warn({ channel: 'oncall-scan', kind, run: runId, page: progress.nextPage, err: { name: (e as Error).name } }, `OnCall scan interrupted: ${run.error}`);
      } finally {
        clearInterval(heartbeat);
      }
      return { run, ...counts, pages: run.nextPage - 1, resumedAt, durationMs: Date.now() - started };
    });
  }

  private async readPages(
    source: ScanSource,
    kind: ScanKind,
    runId: number,
    progress: PageProgress,
    counts: { pagesRead: number; stored: number; duplicates: number; skipped: number },
    signals: Array<AbortSignal | undefined>,
  ): Promise<void> {
    const size = this.deps.pageSize ?? 100;
    const readAhead = Math.max(0, this.deps.readAhead ?? 4);
    const pending = new Map<number, Promise<ScanPage | null>>();
    const fetchPage = (n: number): Promise<ScanPage | null> => {
      let p = pending.get(n);
      if (!p) {
        progress.requests++;
        p = source.listPage(kind, n, size);
        // A page read ahead may fail after the scan stopped on an earlier one: not unhandled.
        p.catch(() => undefined);
        pending.set(n, p);
      }
      return p;
    };
    for (;;) {
      const stopped = signals.find((s) => s?.aborted);
      if (stopped) throw new ScanStopped(stopped === signals[0] ? 'stopped: the engine is shutting down' : 'stopped: another process took the scan over');
      const n = progress.nextPage;
      const page = await fetchPage(n);
      pending.delete(n);
      if (!page) return; // past the end: records were removed since the run kept its place
      counts.pagesRead++;
      // Read ahead up to the last page this page's count announces, never past it.
      const last = Math.ceil(page.count / size);
      if (page.next) for (let m = n + 1; m <= Math.min(last, n + readAhead); m++) void fetchPage(m);
      await this.storePage(kind, runId, page, progress, counts);
      await this.deps.afterPage?.(n, { id: runId, nextPage: progress.nextPage });
      if (!page.next) return;
    }
  }

  private async storePage(
    kind: ScanKind,
    runId: number,
    page: ScanPage,
    progress: PageProgress,
    counts: { stored: number; duplicates: number; skipped: number },
  ): Promise<void> {
    const recordKind = RECORD_KIND[kind];
    const byUrl = new Map<string, { record: unknown; hash: string }>();
    for (const record of page.results) {
      const url = urlOf(record);
      if (!url) {
        counts.skipped++;
        continue;
      }
      byUrl.set(url, { record, hash: recordHash(record) });
    }
    const marks = await this.deps.store.marks(recordKind, [...byUrl.keys()]);
    const changed = [...byUrl].filter(([url, r]) => marks.get(url) !== r.hash);
    // Submitted together: the message store's group commit writes them in one or two transactions.
    const receipts = await Promise.all(changed.map(([url, r]) => this.deps.messages.receive(scanMessage(recordKind, url, r.hash, r.record))));
    for (const r of receipts) {
      if (r.duplicate) counts.duplicates++;
      else counts.stored++;
    }
    progress.nextPage++;
    progress.seen += page.results.length;
    progress.changed += changed.length;
    // Only changed marks are written: an unchanged page costs one read and the progress row,
    // not 100 row versions (on PostgreSQL every update leaves a dead tuple for vacuum).
    await this.deps.store.commitPage(
      runId,
      recordKind,
      changed.map(([id, r]) => ({ id, hash: r.hash })),
      progress,
    );
    if (changed.length > 0) this.deps.wake();
  }
}
