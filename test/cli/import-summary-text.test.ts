import { describe, expect, it } from 'vitest';
import { count, outcomeLine, timeLeft, type ImportOutcome } from '../../src/cli/import/summary.js';

const outcome = (o: Partial<ImportOutcome>): ImportOutcome => ({
  runId: 'r', source: 'f.csv', recordType: 'contacts', dryRun: false, status: 'finished', rows: 0,
  created: 0, updated: 0, alreadyUpToDate: 0, notUpdated: 0, inAnotherClinic: 0, leftOut: 0, notImported: 0, cancelled: 0,
  report: null, exitCode: 0, ...o,
});

describe('the import summary in words', () => {
  it('writes counts with thousands separators, as the web UI does', () => {
    expect(count(1084)).toBe('1,084');
    expect(count(543)).toBe('543');
    expect(outcomeLine(outcome({ created: 1084, updated: 12_345, alreadyUpToDate: 1_000_000, notUpdated: 2000, inAnotherClinic: 1001, leftOut: 3, notImported: 4096, cancelled: 1500, report: 'r.csv' })))
      .toBe('1,084 created, 12,345 updated, 1,000,000 already up to date, 2,000 already in OnCall with other values, not updated (--update updates them), 1,001 in another clinic, not moved, 3 left out, 4,096 not imported (refused by OnCall), 1,500 cancelled — report: r.csv');
  });

  it('says the time left in hours, minutes and seconds', () => {
    expect(timeLeft(45)).toBe('45s');
    expect(timeLeft(125)).toBe('2m 5s');
    expect(timeLeft(7260)).toBe('2h 1m');
  });
});
