import type { Logger } from 'pino';
import type { ChannelStatus, SyncChannel } from '../../flows/sync/channel.js';
import { ScanBusy, scanningHere } from './scan-lock.js';
import type { ScanRun, ScanStore, ScanTrigger } from './scan-store.js';
import { OncallScanner, scanErrorWords, type ScanResult } from './scanner.js';
import { durationWords, type OncallScanSettings } from './settings.js';
import { SCAN_CHANNEL, SCAN_KINDS, type ScanKind } from './to-message.js';

export interface OncallScanChannelDeps {
  scanner: OncallScanner;
  store: ScanStore;
  settings: OncallScanSettings;
  logger: Logger;
}

const fmt = new Intl.NumberFormat('en-US');

function clock(iso: string): string {
  return iso.slice(11, 16);
}

/**
 * OnCall Health scans as a sync channel (issue 9, "Scans"): on a schedule (default every 15
 * min, first run shortly after start) it scans contacts then appointments; `scan()` runs one
 * now (the CLI, `POST /api/sync/scans`). What a scan finds is stored as `oncall-scan` messages
 * that the processor applies to the EMR; the channel itself writes nowhere else.
 */
export class OncallScanChannel implements SyncChannel {
  readonly name = SCAN_CHANNEL;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private stopping = new AbortController();
  private readonly current = new Set<Promise<unknown>>();
  private counters = { received: 0, duplicates: 0, rejected: 0, errors: 0 };
  private lastMessageAt: string | null = null;
  private lastError: string | null = null;
  private failing = false;
  private last: Partial<Record<ScanKind, ScanRun>> = {};

  constructor(private readonly deps: OncallScanChannelDeps) {}

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.stopping = new AbortController();
    for (const kind of SCAN_KINDS) this.last[kind] = await this.deps.store.lastDone(kind).catch(() => undefined);
    if (this.deps.settings.everyMs !== null) this.schedule(this.deps.settings.firstRunDelayMs);
  }

  /** No new scan; the current one stops after the page it is on (left `interrupted`, resumed next time). */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.stopping.abort();
    await Promise.allSettled([...this.current]);
  }

  /** Whether a scan of the kind runs in this process now. */
  busy(kind: ScanKind): boolean {
    return scanningHere(this.deps.store.db, kind);
  }

  /** Runs one scan now (throws ScanBusy when one of the kind runs). */
  scan(kind: ScanKind, trigger: ScanTrigger = 'manual', onStart?: (run: ScanRun, resumedAt: number | null) => void): Promise<ScanResult> {
    const p = this.deps.scanner.scan(kind, trigger, this.stopping.signal, onStart).then((r) => this.note(r));
    this.current.add(p);
    void p.finally(() => this.current.delete(p)).catch(() => undefined);
    return p;
  }

  status(): ChannelStatus {
    const every = this.deps.settings.everyMs;
    const runs = SCAN_KINDS.map((k) => this.last[k]).filter((r): r is ScanRun => r !== undefined);
    const newest = runs.sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : -1))[0];
    const schedule = every === null ? 'contacts and appointments on request (schedule off)' : `contacts and appointments every ${durationWords(every)}`;
    const lastWords = newest
      ? `, last scan ${clock(newest.finishedAt ?? newest.updatedAt)} (${fmt.format(newest.changed)} changed of ${fmt.format(newest.seen)} ${newest.kind})`
      : '';
    return {
      name: this.name,
      kind: 'OnCall Health scans',
      state: !this.running ? 'stopped' : this.failing ? 'failing' : 'running',
      detail: `${schedule}${lastWords}`,
      ...this.counters,
      lastMessageAt: this.lastMessageAt,
      lastError: this.lastError,
    };
  }

  private note(r: ScanResult): ScanResult {
    this.last[r.run.kind] = r.run;
    this.counters.received += r.stored;
    this.counters.duplicates += r.duplicates;
    if (r.stored > 0) this.lastMessageAt = new Date().toISOString();
    if (r.run.status === 'done') {
      this.failing = false;
    } else {
      this.failing = true;
      this.counters.errors++;
      this.lastError = r.run.error;
    }
    return r;
  }

  private schedule(delayMs: number): void {
    if (!this.running || this.deps.settings.everyMs === null) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.scheduledRound().finally(() => this.schedule(this.deps.settings.everyMs ?? 0));
    }, delayMs);
    this.timer.unref();
  }

  /** Contacts then appointments; a kind already being scanned (CLI, API) is left to that scan. */
  private async scheduledRound(): Promise<void> {
    for (const kind of SCAN_KINDS) {
      if (!this.running) return;
      try {
        await this.scan(kind, 'schedule');
      } catch (e) {
        if (e instanceof ScanBusy) continue;
        this.failing = true;
        this.counters.errors++;
        this.lastError = scanErrorWords(e);
        this.deps.logger.warn({ channel: this.name, kind, err: { name: (e as Error).name } }, `OnCall scan could not run: ${this.lastError}`);
      }
    }
  }
}
