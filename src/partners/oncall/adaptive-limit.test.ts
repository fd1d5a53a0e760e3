import { describe, expect, it } from 'vitest';
import { AdaptiveLimit, type AdaptiveLimitOptions, type SampleOutcome } from './adaptive-limit.js';

// Pure logic on a fake clock: each helper call is one attempt that was sent at `clock.t` and
// answered `rttMs` later; the clock moves on by that much.

function setup(opts: Partial<AdaptiveLimitOptions> = {}) {
  const clock = { t: 1_000 };
  const limit = new AdaptiveLimit({ max: 64, now: () => clock.t, ...opts });
  /** A full window at the current limit: `limit` answers, all sent together, all in flight. */
  const window = (rttMs: number, outcome: SampleOutcome = 'ok', inFlight = limit.limit) => {
    const startedAt = clock.t;
    const n = limit.limit;
    clock.t += rttMs;
    for (let i = 0; i < n; i++) limit.sample({ startedAt, rttMs, outcome, inFlight });
  };
  const one = (rttMs: number, outcome: SampleOutcome, startedAt = clock.t) => {
    clock.t = Math.max(clock.t, startedAt + rttMs);
    return limit.sample({ startedAt, rttMs, outcome, inFlight: limit.limit });
  };
  return { clock, limit, window, one };
}

describe('AdaptiveLimit', () => {
  it('starts at 4, capped by a lower maximum, and never starts below 1', () => {
    expect(setup().limit.limit).toBe(4);
    expect(setup({ max: 2 }).limit.limit).toBe(2);
    expect(setup({ max: 0 }).limit.limit).toBe(1);
    expect(setup({ initial: 10 }).limit.limit).toBe(10);
  });

  it('grows by one per window while latency holds, up to the maximum', () => {
    const { limit, window } = setup({ max: 12 });
    const seen = [limit.limit];
    for (let i = 0; i < 12; i++) {
      window(20);
      seen.push(limit.limit);
    }
    expect(seen).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 12, 12, 12, 12]);
  });

  it('does not grow a limit the traffic never reached', () => {
    const { limit, window } = setup();
    for (let i = 0; i < 5; i++) window(20, 'ok', 2);
    expect(limit.limit).toBe(4);
  });

  it('halves on an overload answer, once per window', () => {
    const { limit, window, one, clock } = setup();
    for (let i = 0; i < 12; i++) window(20);
    expect(limit.limit).toBe(16);
    const sentTogether = clock.t;
    expect(one(20, 'overload', sentTogether)).toBe(true);
    expect(limit.limit).toBe(8);
    // The rest of that flight was already sent under 16: no second cut.
    for (let i = 0; i < 5; i++) expect(one(20, 'overload', sentTogether)).toBe(false);
    expect(limit.limit).toBe(8);
    // A request sent after the cut that is throttled again cuts again.
    one(20, 'overload');
    expect(limit.limit).toBe(4);
  });

  it('never goes below 1', () => {
    const { limit, one } = setup();
    for (let i = 0; i < 10; i++) one(5, 'overload');
    expect(limit.limit).toBe(1);
    one(5, 'overload');
    expect(limit.limit).toBe(1);
  });

  it('shrinks when answers get slower than 1.5x the best seen, and grows again when they recover', () => {
    const { limit, window } = setup();
    for (let i = 0; i < 10; i++) window(20);
    expect(limit.limit).toBe(14);
    window(40); // twice the minimum: the partner is queueing our requests
    expect(limit.limit).toBe(12); // floor(14 * 0.9)
    window(40);
    expect(limit.limit).toBe(10);
    window(29); // within 1.5 x 20
    expect(limit.limit).toBe(11);
  });

  it('takes the best window mean as reference, so one lucky fast answer does not shrink the limit', () => {
    const { limit, one, window, clock } = setup();
    window(30);
    expect(limit.limit).toBe(5);
    // A window of 5 where one answer took 2 ms and the others 35: mean 28.4, within 1.5 x 30.
    const startedAt = clock.t;
    one(2, 'ok', startedAt);
    for (let i = 0; i < 4; i++) one(35, 'ok', startedAt);
    expect(limit.limit).toBe(6);
    expect(limit.minRttMs).toBeCloseTo(28.4);
  });

  it('ignores answers to requests sent under an older limit when judging a window', () => {
    const { limit, window, one, clock } = setup();
    window(20);
    expect(limit.limit).toBe(5);
    const old = clock.t - 20; // sent before the last change
    for (let i = 0; i < 20; i++) one(100, 'ok', old);
    expect(limit.limit).toBe(5);
  });

  it('a partner slower for good resets the reference after two periods instead of pinning the limit', () => {
    const { limit, window } = setup({ minRttPeriodMs: 1_000 });
    for (let i = 0; i < 6; i++) window(20);
    expect(limit.limit).toBe(10);
    // From now on every answer takes 100 ms (a slower region, a busier partner).
    const seen: number[] = [];
    for (let i = 0; i < 40; i++) {
      window(100);
      seen.push(limit.limit);
    }
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(1);
    // Once 20 ms has left the windowed minimum, 100 ms is the new normal and the limit grows.
    expect(seen.at(-1)!).toBeGreaterThan(Math.min(...seen));
    expect(limit.minRttMs).toBe(100);
  });

  it('takes no signal from connection failures', () => {
    const { limit, one } = setup();
    for (let i = 0; i < 10; i++) expect(one(1, 'ignore')).toBe(false);
    expect(limit.limit).toBe(4);
    expect(limit.minRttMs).toBe(Infinity);
  });
});
