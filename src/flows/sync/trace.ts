/**
 * What processing one message did, kept with the message (`message_events`) for the Sync page:
 * the canonical resources it became, each decision in words (skipped because nothing OnCall
 * holds changed, PATCH of which keys), each partner call (method, path without query, status,
 * time). Collected in memory and written with the message's final status in one transaction.
 */
export interface TraceEntry {
  kind: 'parsed' | 'decision' | 'call' | 'error';
  detail: Record<string, unknown>;
}

export class Trace {
  readonly entries: TraceEntry[] = [];

  parsed(detail: Record<string, unknown>): void {
    this.entries.push({ kind: 'parsed', detail });
  }

  /** `summary` is the sentence the Sync page shows. */
  decision(summary: string, detail: Record<string, unknown> = {}): void {
    this.entries.push({ kind: 'decision', detail: { summary, ...detail } });
  }

  call(method: string, url: string, status: number | null, ms: number, note?: string): void {
    this.entries.push({ kind: 'call', detail: { method, path: pathOf(url), status, ms, ...(note ? { note } : {}) } });
  }

  error(text: string, detail: Record<string, unknown> = {}): void {
    this.entries.push({ kind: 'error', detail: { text, ...detail } });
  }

  /** Calls made (for the relevant-change benchmark and the summary). */
  get calls(): number {
    return this.entries.filter((e) => e.kind === 'call').length;
  }
}

/** The path only: a query string may carry patient data (`?email=`). */
function pathOf(url: string): string {
  try {
    return new URL(url, 'http://x').pathname;
  } catch {
    return url.split('?')[0] ?? url;
  }
}
