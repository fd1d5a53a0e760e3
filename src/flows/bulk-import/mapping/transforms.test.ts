import { describe, expect, it } from 'vitest';
import { parseDate, checkIsoDateTime, zonedDateTimeToIso } from './dates.js';
import { normalisePhone } from './phone.js';
import type { Transform } from './template.js';
import { compileTransforms, isFailure, runScalars, splitName, type TransformFailure } from './transforms.js';

/** Runs a transform list over the given column values the way apply-mapping does. */
function run(transforms: Transform[], values: string[], timeZone?: string): string | TransformFailure {
  const c = compileTransforms(transforms, timeZone ? { timeZone } : {});
  const before = values.map((v) => runScalars(c.before, v));
  const bad = before.find(isFailure);
  if (bad) return bad;
  const combined = c.combine ? c.combine(before as string[]) : (before as string[]).filter(Boolean).join(' ');
  return isFailure(combined) ? combined : runScalars(c.after, combined);
}

describe('date transform', () => {
  it.each([
    ['YYYY-MM-DD', '2021-03-04', '2021-03-04'],
    ['DD/MM/YYYY', '04/03/2021', '2021-03-04'],
    ['DD/MM/YYYY', '4/3/2021', '2021-03-04'],
    ['MM/DD/YYYY', '03/04/2021', '2021-03-04'],
    ['YYYYMMDD', '20210304', '2021-03-04'],
    ['DD.MM.YYYY', '04.03.2021', '2021-03-04'],
    ['ISO', '2021-03-04T23:30:00-05:00', '2021-03-04'],
    ['YYYY-MM-DD', '2020-02-29', '2020-02-29'],
  ] as const)('%s reads %s', (format, input, expected) => {
    expect(run([{ type: 'date', format }], [input])).toBe(expected);
  });

  it('rejects impossible dates without echoing them', () => {
    for (const [format, input] of [['YYYY-MM-DD', '2021-02-30'], ['DD/MM/YYYY', '31/04/2021'], ['YYYYMMDD', '20211301'], ['YYYY-MM-DD', '1900-02-29']] as const) {
      const r = run([{ type: 'date', format }], [input]);
      expect(r).toMatchObject({ failed: true, code: 'impossible-date', message: 'is not a real calendar date' });
      expect(JSON.stringify(r)).not.toContain(input);
    }
  });

  it('rejects text that is not in the declared format', () => {
    expect(run([{ type: 'date', format: 'DD/MM/YYYY' }], ['2021-03-04'])).toMatchObject({ code: 'invalid-date', message: 'is not a date in the format DD/MM/YYYY' });
    expect(parseDate('21-03-04', 'YYYY-MM-DD')).toBe('invalid-date');
  });

  it('leaves empty cells empty', () => {
    expect(run([{ type: 'date', format: 'YYYYMMDD' }], [''])).toBe('');
  });
});

describe('datetime transform', () => {
  it('keeps an explicit offset and normalises it', () => {
    expect(run([{ type: 'datetime' }], ['2024-03-10T09:15:00-0500'])).toBe('2024-03-10T09:15:00-05:00');
    expect(run([{ type: 'datetime' }], ['2024-03-10 09:15Z'])).toBe('2024-03-10T09:15:00Z');
  });

  it('combines a date column and a time column in an IANA zone, across DST', () => {
    expect(run([{ type: 'datetime', dateFormat: 'DD/MM/YYYY', timeZone: 'America/Toronto' }], ['15/01/2024', '2:30 PM'])).toBe('2024-01-15T14:30:00-05:00');
    expect(run([{ type: 'datetime', dateFormat: 'DD/MM/YYYY' }], ['15/07/2024', '14:30'], 'America/Toronto')).toBe('2024-07-15T14:30:00-04:00');
    expect(zonedDateTimeToIso(2024, 7, 1, 9, 0, 0, 'Europe/London')).toBe('2024-07-01T09:00:00+01:00');
    expect(zonedDateTimeToIso(2024, 1, 1, 9, 0, 0, 'UTC')).toBe('2024-01-01T09:00:00Z');
  });

  it('refuses a wall-clock time when no zone is known, and unreadable or impossible values', () => {
    expect(run([{ type: 'datetime' }], ['2024-03-10 09:15'])).toMatchObject({ code: 'datetime-no-timezone' });
    expect(run([{ type: 'datetime' }], ['next tuesday'])).toMatchObject({ code: 'invalid-datetime' });
    expect(run([{ type: 'datetime' }], ['2024-02-30', '10:00'], 'UTC')).toMatchObject({ code: 'impossible-date' });
    expect(run([{ type: 'datetime' }], ['2024-02-03', '25:00'], 'UTC')).toMatchObject({ code: 'invalid-time' });
    expect(run([{ type: 'datetime' }], ['2024-02-03'], 'UTC')).toMatchObject({ code: 'invalid-time' });
  });

  it('checkIsoDateTime demands a zone', () => {
    expect(checkIsoDateTime('2024-01-01T10:00:00Z')).toBe('ok');
    expect(checkIsoDateTime('2024-01-01T10:00:00.123+05:30')).toBe('ok');
    expect(checkIsoDateTime('2024-01-01T10:00:00')).toBe('invalid');
    expect(checkIsoDateTime('2023-02-29T10:00:00Z')).toBe('impossible');
  });
});

describe('text transforms', () => {
  it('trim, case, title case with hyphens and apostrophes', () => {
    expect(run([{ type: 'trim' }, { type: 'upper' }], ['  ann '])).toBe('ANN');
    expect(run([{ type: 'lower' }], ['Ann@X.ORG'])).toBe('ann@x.org');
    expect(run([{ type: 'title' }], ["MARIE-CLAIRE o'neil"])).toBe("Marie-Claire O'Neil");
    expect(run([{ type: 'title' }], ['élodie']) ).toBe('Élodie');
  });

  it('strip-digits removes Synthea suffixes only', () => {
    expect(run([{ type: 'strip-digits' }], ['Marcell728'])).toBe('Marcell');
    expect(run([{ type: 'strip-digits' }], ['Mc1 Donald22'])).toBe('Mc Donald');
    expect(run([{ type: 'strip-digits' }], ['Anne'])).toBe('Anne');
  });

  it('join combines several columns and skips empty ones', () => {
    expect(run([{ type: 'join', separator: ' ' }], ['Ann', '', 'Lee'])).toBe('Ann Lee');
    expect(run([{ type: 'strip-digits' }, { type: 'join', separator: ', ' }, { type: 'upper' }], ['Lee9', 'Ann1'])).toBe('LEE, ANN');
  });

  it('split reads "Last, First" and "First Middle Last"', () => {
    expect(splitName('Lee, Ann Marie')).toEqual({ first: 'Ann Marie', last: 'Lee' });
    expect(splitName('Ann Marie Lee')).toEqual({ first: 'Ann Marie', last: 'Lee' });
    expect(splitName('Cher')).toEqual({ first: 'Cher', last: '' });
    expect(run([{ type: 'split', part: 'last' }], ['Lee, Ann'])).toBe('Lee');
    expect(run([{ type: 'split', part: 'first', style: 'last-first' }], ['Lee Ann'])).toBe('Ann');
  });

  it('value-map: sex preset, case- and accent-insensitive, overrides, otherwise', () => {
    const sex: Transform[] = [{ type: 'value-map', preset: 'sex' }];
    expect(['M', 'f', 'H', 'Féminin', 'U', 'x'].map((v) => run(sex, [v]))).toEqual(['male', 'female', 'male', 'female', 'unknown', 'other']);
    expect(run(sex, ['Q'])).toBe('Q');
    expect(run([{ type: 'value-map', preset: 'sex', otherwise: 'empty' }], ['Q'])).toBe('');
    expect(run([{ type: 'value-map', map: { '1': 'male', '2': 'female' } }], ['2'])).toBe('female');
    expect(run([{ type: 'value-map', map: { Yes: 'true' }, caseSensitive: true }], ['yes'])).toBe('yes');
  });

  it('default fills empty values only', () => {
    expect(run([{ type: 'default', value: 'https://api.oncallhealth.ca/divisions/1/' }], [''])).toBe('https://api.oncallhealth.ca/divisions/1/');
    expect(run([{ type: 'default', value: 'x' }], ['y'])).toBe('y');
  });
});

describe('phone transform', () => {
  it('normalises to E.164 with a default country', () => {
    expect(normalisePhone('07700 900123', 'GB')).toBe('+447700900123');
    expect(normalisePhone('(416) 555-0199', 'CA')).toBe('+14165550199');
    expect(normalisePhone('1-416-555-0199', 'CA')).toBe('+14165550199');
    expect(normalisePhone('06 12 34 56 78', 'FR')).toBe('+33612345678');
    expect(normalisePhone('0044 7700 900123', 'FR')).toBe('+447700900123');
    expect(normalisePhone('+1 (416) 555-0199 ext. 12', 'GB')).toBe('+14165550199');
  });

  it('keeps digits (and a leading +) without a country; keeps text with no digits for validation', () => {
    expect(normalisePhone('416.555.0199')).toBe('4165550199');
    expect(normalisePhone('+44 7700 900123')).toBe('+447700900123');
    expect(run([{ type: 'phone', defaultCountry: 'GB' }], ['n/a'])).toBe('n/a');
  });
});
