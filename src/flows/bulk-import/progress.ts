import { EtaEstimator, type EtaOptions, type EtaReading } from './eta.js';

/**
 * Rate and time left of running imports, from the "done" count read whenever someone asks (UI
 * poll, CLI bar), one smoothed estimator per run (eta.ts). Kept in memory per process: it is a
 * display figure, not state.
 */
export class ProgressTracker {
  private readonly runs = new Map<string, EtaEstimator>();

  constructor(private readonly options: EtaOptions = {}) {}

  observe(runId: string, done: number, remaining: number, running: boolean, now = Date.now()): EtaReading {
    let estimator = this.runs.get(runId);
    if (!estimator) this.runs.set(runId, (estimator = new EtaEstimator(this.options)));
    return estimator.observe(done, done + remaining, running, now);
  }

  forget(runId: string): void {
    this.runs.delete(runId);
  }
}
