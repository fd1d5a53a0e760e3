import { describe, expect, it } from 'vitest';
import { EtaEstimator } from './eta.js';

/** Feeds `rate` rows per second for `seconds`, one sample per second, from `done`; returns the last reading. */
function feed(e: EtaEstimator, from: { t: number; done: number }, rate: number, seconds: number, total: number) {
  let reading = e.observe(from.done, total, true, from.t);
  for (let s = 1; s <= seconds; s++) reading = e.observe(from.done + rate * s, total, true, from.t + s * 1000);
  return { reading, at: { t: from.t + seconds * 1000, done: from.done + rate * seconds } };
}

describe('time-left estimate', () => {
  it('says nothing before 10 s of sending, even at a steady rate', () => {
    const e = new EtaEstimator();
    const { reading } = feed(e, { t: 0, done: 0 }, 50, 9, 10_000);
    expect(reading.etaSeconds).toBeNull();
    expect(reading.ratePerSecond).toBe(50);
  });

  it('says nothing before 2 % of the rows are done, however long it has been', () => {
    const e = new EtaEstimator();
    const { reading } = feed(e, { t: 0, done: 0 }, 1, 30, 10_000); // 30 of 10,000 = 0.3 %
    expect(reading.etaSeconds).toBeNull();
  });

  it('gives remaining / rate once both thresholds are met', () => {
    const e = new EtaEstimator();
    const { reading } = feed(e, { t: 0, done: 0 }, 20, 12, 1_000); // 240 done, 760 left at 20/s
    expect(reading.ratePerSecond).toBe(20);
    expect(reading.etaSeconds).toBe(38);
  });

  it('smooths a sudden change instead of jumping to it', () => {
    const e = new EtaEstimator({ halfLifeMs: 10_000 });
    const steady = feed(e, { t: 0, done: 0 }, 20, 20, 10_000);
    // One second at 100 rows/s moves the rate part of the way, not all of it.
    const burst = e.observe(steady.at.done + 100, 10_000, true, steady.at.t + 1000);
    expect(burst.ratePerSecond).toBeGreaterThan(20);
    expect(burst.ratePerSecond).toBeLessThan(30);
    // After one half-life at the new rate, it is about half way there.
    const later = feed(e, { t: steady.at.t + 1000, done: steady.at.done + 100 }, 100, 9, 10_000);
    expect(later.reading.ratePerSecond).toBeGreaterThan(50);
    expect(later.reading.ratePerSecond).toBeLessThan(70);
  });

  it('ignores polls closer together than half a second (a burst of page polls does not swing it)', () => {
    const e = new EtaEstimator();
    const { at } = feed(e, { t: 0, done: 0 }, 20, 12, 1_000);
    const before = e.observe(at.done, 1_000, true, at.t);
    // Three polls 100 ms apart with nothing done would otherwise read as a stall.
    for (let i = 1; i <= 3; i++) expect(e.observe(at.done, 1_000, true, at.t + i * 100)).toEqual(before);
  });

  it('gives no estimate while paused, and does not count the pause against the rate', () => {
    const e = new EtaEstimator();
    const { at } = feed(e, { t: 0, done: 0 }, 20, 12, 2_000);
    expect(e.observe(at.done, 2_000, false, at.t + 1000)).toEqual({ ratePerSecond: 0, etaSeconds: null });
    // Resumed five minutes later: the first sample starts a new interval, the rate is still 20/s.
    const resumed = e.observe(at.done, 2_000, true, at.t + 300_000);
    expect(resumed.ratePerSecond).toBe(20);
    const next = e.observe(at.done + 20, 2_000, true, at.t + 301_000);
    expect(next.ratePerSecond).toBe(20);
    expect(next.etaSeconds).toBe(Math.ceil((2_000 - at.done - 20) / 20));
  });

  it('says 0 when nothing is left, running or not', () => {
    expect(new EtaEstimator().observe(10, 10, true, 0).etaSeconds).toBe(0);
    expect(new EtaEstimator().observe(10, 10, false, 0).etaSeconds).toBe(0);
  });
});
