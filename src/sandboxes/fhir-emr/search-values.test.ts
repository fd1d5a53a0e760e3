import { describe, expect, it } from 'vitest';
import { dateRange, matchDate, matchReference, matchString, matchToken, normalizePhone, parseDateQuery, splitOr } from './search-values.js';

describe('search value primitives', () => {
  it('gives each date precision its own range', () => {
    expect(dateRange('2024')).toEqual({ start: Date.UTC(2024, 0, 1), end: Date.UTC(2025, 0, 1) });
    expect(dateRange('2024-02')).toEqual({ start: Date.UTC(2024, 1, 1), end: Date.UTC(2024, 2, 1) });
    expect(dateRange('2024-02-29')).toEqual({ start: Date.UTC(2024, 1, 29), end: Date.UTC(2024, 2, 1) });
    expect(dateRange('2024-02-29T10:00+01:00')).toEqual({ start: Date.UTC(2024, 1, 29, 9), end: Date.UTC(2024, 1, 29, 9, 1) });
    expect(dateRange('2024-02-29T10:00 01:00')).toEqual(dateRange('2024-02-29T10:00+01:00'));
    expect(dateRange('2024-02-29T10:00:05.250Z')?.start).toBe(Date.UTC(2024, 1, 29, 10, 0, 5, 250));
    expect(dateRange('2023-02-29')).toBeUndefined();
    expect(dateRange('24-01-01')).toBeUndefined();
    expect(dateRange('2024-01-01T25:00Z')).toBeUndefined();
  });

  it('applies R4 prefix semantics to target ranges', () => {
    const day = dateRange('2024-05-10');
    if (!day) throw new Error('bad fixture');
    const q = (raw: string) => parseDateQuery(raw, 'date');
    const hit = (raw: string) => {
      const { prefix, range } = q(raw);
      return matchDate([day], prefix, range);
    };
    expect(hit('2024-05-10')).toBe(true);
    expect(hit('2024-05')).toBe(true);
    expect(hit('eq2024-05-11')).toBe(false);
    expect(hit('ne2024-05-11')).toBe(true);
    expect(hit('ge2024-05-10')).toBe(true);
    expect(hit('gt2024-05-10')).toBe(false);
    expect(hit('le2024-05-10')).toBe(true);
    expect(hit('lt2024-05-10')).toBe(false);
    expect(hit('lt2024-05-11')).toBe(true);
    expect(hit('sa2024-05-09')).toBe(true);
    expect(hit('eb2024-05-11')).toBe(true);
    expect(() => q('ge2024-13-01')).toThrow(/Invalid date/);
  });

  it('matches strings by prefix, ignoring case and accents', () => {
    expect(matchString(['Hélène'], 'hel', '')).toBe(true);
    expect(matchString(['Hélène'], 'HELENE', '')).toBe(true);
    expect(matchString(['Hélène'], 'lène', '')).toBe(false);
    expect(matchString(['Hélène'], 'lene', 'contains')).toBe(true);
    expect(matchString(['Hélène'], 'helene', 'exact')).toBe(false);
    expect(matchString(['Hélène'], 'Hélène', 'exact')).toBe(true);
  });

  it('matches tokens with and without system, and escaped separators', () => {
    const ids = [{ system: 'urn:mrn', code: 'A|1' }, { code: 'nosys' }];
    expect(matchToken(ids, 'urn:mrn|A\\|1')).toBe(true);
    expect(matchToken(ids, 'A\\|1')).toBe(true);
    expect(matchToken(ids, 'other|A\\|1')).toBe(false);
    expect(matchToken(ids, '|nosys')).toBe(true);
    expect(matchToken(ids, 'urn:mrn|')).toBe(true);
    expect(splitOr('a,b\\,c')).toEqual(['a', 'b\\,c']);
  });

  it('treats UK national and international phone spellings alike', () => {
    expect(normalizePhone('07700 900001')).toBe(normalizePhone('+44 7700 900001'));
    expect(normalizePhone('0044-7700-900001')).toBe('447700900001');
  });

  it('resolves references by type and id', () => {
    expect(matchReference(['Patient/1'], 'Patient/1', ['Patient'])).toBe(true);
    expect(matchReference(['Patient/1'], '1', ['Patient'])).toBe(true);
    expect(matchReference(['Patient/1'], 'http://x/fhir/Patient/1', undefined)).toBe(true);
    expect(matchReference(['Practitioner/1'], '1', ['Patient'])).toBe(false);
    expect(matchReference(['Patient/1'], 'Group/1', undefined)).toBe(false);
  });
});
