import { describe, expect, it } from 'vitest';
import { reportRow } from './csv-report.js';

describe('reconciliation report rows', () => {
  it('keeps one row per finding, fields listed in order, owner in words', () => {
    expect(
      reportRow({
        n: 1,
        kind: 'different',
        emrId: 'p1',
        oncallUrl: 'https://x/contacts/1/',
        fields: [
          { field: 'email', emr: 'a@x.example', oncall: 'b@x.example', owner: 'emr' },
          { field: 'phone', emr: null, oncall: '5551234', owner: 'oncall' },
        ],
      }),
    ).toEqual(['different', 'p1', 'https://x/contacts/1/', 'e-mail; phone', 'a@x.example; ', 'b@x.example; 5551234', 'EMR; OnCall']);
  });

  it('lists every OnCall URL of a duplicate, and neutralises what a spreadsheet would run', () => {
    expect(reportRow({ n: 2, kind: 'duplicated', emrId: 'p2', oncallUrl: 'u1', oncallUrls: ['u1', 'u2'] })).toEqual(['duplicated', 'p2', 'u1 u2', '', '', '', '']);
    const row = reportRow({ n: 3, kind: 'different', emrId: '=cmd()', oncallUrl: 'u', fields: [{ field: 'family', emr: '@sum(a1)', oncall: 'x', owner: 'emr' }] });
    expect(row[1]).toBe("'=cmd()");
    expect(row[4]).toBe("'@sum(a1)");
  });
});
