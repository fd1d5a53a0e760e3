/**
 * Rate and ETA of a running import, from samples of the "done" count taken whenever someone
 * asks (UI poll, CLI bar). A sliding 15-second window reacts to pauses and slow-downs without
 * flickering. Kept in memory per process: it is a display figure, not state.
 */
const WINDOW_MS = 15_000;

export class ProgressTracker {
  private samples = new Map<string, { t: number; done: number }[]>();

  observe(runId: string, done: number, remaining: number, running: boolean, now = Date.now()): { ratePerSecond: number; etaSeconds: number | null } {
    const list = this.samples.get(runId) ?? [];
    list.push({ t: now, done });
    while (list.length > 2 && now - list[0]!.t > WINDOW_MS) list.shift();
    this.samples.set(runId, list);
    if (!running) return { ratePerSecond: 0, etaSeconds: remaining === 0 ? 0 : null };
    const first = list[0]!;
    const span = (now - first.t) / 1000;
    const rate = span > 0.2 ? Math.max(0, (done - first.done) / span) : 0;
    return { ratePerSecond: Math.round(rate * 10) / 10, etaSeconds: rate > 0 ? Math.ceil(remaining / rate) : null };
  }

  forget(runId: string): void {
    this.samples.delete(runId);
  }
}
