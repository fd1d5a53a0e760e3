/**
 * How many requests the OnCall client keeps in flight, learnt from the partner's answers
 * (issue 8). Pure logic with an injected clock: the client feeds it one sample per attempt and
 * sets its queue's concurrency to `limit`.
 *
 * AIMD as in TCP congestion control (RFC 5681 §3.1: additive increase once per window,
 * multiplicative decrease on loss, at most one decrease per window of data), with a latency
 * signal as in Netflix's concurrency-limits (github.com/Netflix/concurrency-limits, "Vegas" and
 * "Gradient"): a partner that answers slower than `tolerance` times the best answer time seen
 * is queueing our requests, and more of them would only wait longer.
 *
 * - +1 after a window of `limit` successes whose mean answer time stays within `tolerance` x
 *   the minimum, and only if the window actually used the limit (TCP's "cwnd-limited" rule:
 *   a limit that was never reached says nothing about the partner).
 * - x`latencyBackoff` after a window whose mean answer time exceeded it.
 * - x0.5 on an overload answer (429, 503, timeout), once per window: answers to requests sent
 *   before the last decrease were already on their way and do not cut again.
 * - Never below `min`, never above `max`.
 *
 * The reference ("best seen") is the lowest *window mean* answer time, not the lowest single
 * answer: one lucky request on an idle moment would set a bar that ordinary jitter (a busy
 * event loop, GC, a shared CPU) then breaks all the time, and the limit would shrink for
 * nothing. It is also a windowed minimum (the lower of this and the previous period of
 * `minRttPeriodMs`), so a partner that becomes slower for good resets the reference instead of
 * pinning the limit at `min` for ever.
 */

export interface AdaptiveLimitOptions {
  /** Ceiling; the configured ONCALL_CONCURRENCY. */
  max: number;
  /** Starting limit (default 4, lowered to `max`). */
  initial?: number;
  /** Floor (default 1). */
  min?: number;
  /** Mean answer time up to this multiple of the minimum counts as "latency holds" (default 1.5). */
  tolerance?: number;
  /** Factor applied when latency rose (default 0.9: gentle, latency is a noisy signal). */
  latencyBackoff?: number;
  /** Length of one period of the windowed minimum answer time (default 10 s). */
  minRttPeriodMs?: number;
  /** Milliseconds, same clock as the samples' `startedAt` (the client: performance.now). */
  now: () => number;
}

/** What one attempt told about the partner's load. */
export type SampleOutcome =
  /** An answer that says nothing about load problems (2xx, 4xx other than 429, 5xx other than 503). */
  | 'ok'
  /** The partner is overloaded or throttling: 429, 503, or no answer in time. */
  | 'overload'
  /** Failed before an answer for another reason (connection refused, reset): no signal. */
  | 'ignore';

export interface LimitSample {
  /** `now()` when the attempt was sent. */
  startedAt: number;
  /** Answer time in ms. */
  rttMs: number;
  outcome: SampleOutcome;
  /** Attempts in flight when this one was sent, itself included. */
  inFlight: number;
}

export class AdaptiveLimit {
  readonly max: number;
  readonly min: number;
  private current: number;
  private readonly tolerance: number;
  private readonly latencyBackoff: number;
  private readonly minRttPeriodMs: number;
  private readonly now: () => number;

  // The current window: successes counted towards one evaluation.
  private windowCount = 0;
  private windowRttSum = 0;
  private windowMaxInFlight = 0;
  private windowStartedAt: number;
  /** Samples of requests sent before this instant belong to a past limit. */
  private lastChangeAt: number;

  // Windowed minimum answer time: min(previous period, this period).
  private periodStartedAt: number;
  private periodMin = Infinity;
  private previousPeriodMin = Infinity;

  constructor(opts: AdaptiveLimitOptions) {
    this.max = Math.max(1, Math.floor(opts.max));
    this.min = Math.min(this.max, Math.max(1, Math.floor(opts.min ?? 1)));
    this.current = clamp(Math.floor(opts.initial ?? 4), this.min, this.max);
    this.tolerance = opts.tolerance ?? 1.5;
    this.latencyBackoff = opts.latencyBackoff ?? 0.9;
    this.minRttPeriodMs = opts.minRttPeriodMs ?? 10_000;
    this.now = opts.now;
    const t = this.now();
    this.windowStartedAt = t;
    this.lastChangeAt = t;
    this.periodStartedAt = t;
  }

  get limit(): number {
    return this.current;
  }

  /** Best window mean answer time of the last one to two periods; Infinity before the first window. */
  get minRttMs(): number {
    return Math.min(this.periodMin, this.previousPeriodMin);
  }

  /** Records one finished attempt; returns true when the limit changed. */
  sample(s: LimitSample): boolean {
    if (s.outcome === 'ignore') return false;
    if (s.outcome === 'overload') {
      // One cut per window: everything sent before the last change saw the old, larger limit.
      if (s.startedAt < this.lastChangeAt) return false;
      return this.setLimit(Math.floor(this.current / 2));
    }

    // An answer to a request sent under an older limit does not judge the current one.
    if (s.startedAt < this.windowStartedAt) return false;
    this.windowCount++;
    this.windowRttSum += s.rttMs;
    this.windowMaxInFlight = Math.max(this.windowMaxInFlight, s.inFlight);
    if (this.windowCount < this.current) return false;

    const meanRtt = this.windowRttSum / this.windowCount;
    this.observeRtt(meanRtt);
    const usedLimit = this.windowMaxInFlight >= this.current;
    if (meanRtt > this.tolerance * this.minRttMs) {
      return this.setLimit(Math.floor(this.current * this.latencyBackoff));
    }
    if (usedLimit) return this.setLimit(this.current + 1);
    this.startWindow();
    return false;
  }

  private observeRtt(rttMs: number): void {
    const t = this.now();
    if (t - this.periodStartedAt >= this.minRttPeriodMs) {
      this.previousPeriodMin = this.periodMin;
      this.periodMin = Infinity;
      this.periodStartedAt = t;
    }
    if (rttMs < this.periodMin) this.periodMin = rttMs;
  }

  private setLimit(next: number): boolean {
    const bounded = clamp(next, this.min, this.max);
    const changed = bounded !== this.current;
    this.current = bounded;
    this.lastChangeAt = this.now();
    this.startWindow();
    return changed;
  }

  private startWindow(): void {
    this.windowCount = 0;
    this.windowRttSum = 0;
    this.windowMaxInFlight = 0;
    this.windowStartedAt = this.now();
  }
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}
