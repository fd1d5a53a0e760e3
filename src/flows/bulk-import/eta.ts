/**
 * Time left of a running import (issue 7, item 2): the sending rate is smoothed with an
 * exponential moving average over time (each sample weighs by how long it covers, so a burst
 * of polls does not swing it), and the estimate is given only once it means something: after
 * `minActiveMs` of sending and `minFraction` of the rows done. Time spent paused does not count
 * (the first sample after a pause starts a new interval instead of averaging the pause in).
 */
export interface EtaOptions {
  /** After this long, a past rate weighs half as much as at first. Default 10 s. */
  halfLifeMs?: number;
  /** No estimate before this much sending time was observed. Default 10 s. */
  minActiveMs?: number;
  /** No estimate before this share of the rows is done. Default 2 %. */
  minFraction?: number;
  /** Samples closer together than this are ignored (too short to measure). Default 500 ms. */
  minIntervalMs?: number;
}

export interface EtaReading {
  /** Smoothed rows per second (0 when not running or not measured yet). */
  ratePerSecond: number;
  /** Seconds left, or null when not meaningful yet (or paused); 0 when nothing remains. */
  etaSeconds: number | null;
}

export class EtaEstimator {
  private last: { t: number; done: number } | undefined;
  private rate: number | null = null;
  private activeMs = 0;
  private readonly halfLifeMs: number;
  private readonly minActiveMs: number;
  private readonly minFraction: number;
  private readonly minIntervalMs: number;

  constructor(opts: EtaOptions = {}) {
    this.halfLifeMs = opts.halfLifeMs ?? 10_000;
    this.minActiveMs = opts.minActiveMs ?? 10_000;
    this.minFraction = opts.minFraction ?? 0.02;
    this.minIntervalMs = opts.minIntervalMs ?? 500;
  }

  /** `done` rows of `total` at time `now`; `running` false while paused, preparing or ended. */
  observe(done: number, total: number, running: boolean, now: number): EtaReading {
    const remaining = Math.max(0, total - done);
    if (!running) {
      this.last = undefined;
      return { ratePerSecond: 0, etaSeconds: remaining === 0 ? 0 : null };
    }
    if (!this.last) {
      this.last = { t: now, done };
      return this.reading(done, total);
    }
    const dt = now - this.last.t;
    if (dt >= this.minIntervalMs) {
      const instant = (Math.max(0, done - this.last.done) / dt) * 1000;
      const alpha = 1 - Math.pow(2, -dt / this.halfLifeMs);
      this.rate = this.rate === null ? instant : this.rate + alpha * (instant - this.rate);
      this.activeMs += dt;
      this.last = { t: now, done };
    }
    return this.reading(done, total);
  }

  private reading(done: number, total: number): EtaReading {
    const remaining = Math.max(0, total - done);
    const rate = this.rate ?? 0;
    const ratePerSecond = Math.round(rate * 10) / 10;
    if (remaining === 0) return { ratePerSecond, etaSeconds: 0 };
    const meaningful = this.activeMs >= this.minActiveMs && total > 0 && done / total >= this.minFraction && rate > 0;
    return { ratePerSecond, etaSeconds: meaningful ? Math.ceil(remaining / rate) : null };
  }
}
