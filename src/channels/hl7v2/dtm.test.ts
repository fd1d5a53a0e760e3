import { describe, expect, it } from 'vitest';
import { isKnownTimeZone, parseDtm } from './dtm.js';
import { parseInbound, validateInboundOptions } from './inbound.js';

describe('parseDtm', () => {
  it('keeps the written precision for the date and gives an instant from the hour on', () => {
    expect(parseDtm('1988')).toEqual({ precision: 'year', date: '1988', hasOffset: false });
    expect(parseDtm('198808')).toEqual({ precision: 'month', date: '1988-08', hasOffset: false });
    expect(parseDtm('19880818')).toEqual({ precision: 'day', date: '1988-08-18', hasOffset: false });
    expect(parseDtm('1988081811')).toEqual({ precision: 'hour', date: '1988-08-18', instant: '1988-08-18T11:00:00Z', hasOffset: false });
    expect(parseDtm('198808181126+0215')).toEqual({ precision: 'minute', date: '1988-08-18', instant: '1988-08-18T09:11:00Z', hasOffset: true });
    expect(parseDtm('20210817151943.4+0200')).toEqual({ precision: 'second', date: '2021-08-17', instant: '2021-08-17T13:19:43.400Z', hasOffset: true });
    expect(parseDtm('20240101003000-0500')?.instant).toBe('2024-01-01T05:30:00Z');
  });

  it('refuses impossible values instead of rolling them over', () => {
    for (const v of ['20230229', '20240230', '20241301', '20240100', '2024010124', '202401012360', '20240101235960', '20240101+2500', '2024-01-01', '', 'abc', '2024010112345']) {
      expect(parseDtm(v), v).toBeUndefined();
    }
    expect(parseDtm('20240229')?.date).toBe('2024-02-29');
    expect(parseDtm('20000229')?.date).toBe('2000-02-29');
    expect(parseDtm('19000229')).toBeUndefined();
  });

  it('reads values without an offset in the given zone, across daylight saving', () => {
    expect(parseDtm('202401151200', 'America/Toronto')?.instant).toBe('2024-01-15T17:00:00Z');
    expect(parseDtm('202407151200', 'America/Toronto')?.instant).toBe('2024-07-15T16:00:00Z');
    expect(parseDtm('202407151200', 'Europe/Paris')?.instant).toBe('2024-07-15T10:00:00Z');
    // An explicit offset wins over the zone.
    expect(parseDtm('202407151200+0000', 'Europe/Paris')?.instant).toBe('2024-07-15T12:00:00Z');
  });
});

describe('options are checked with a clear message', () => {
  it('an unknown time zone, charset or identifier type', () => {
    expect(isKnownTimeZone('Europe/Paris')).toBe(true);
    expect(isKnownTimeZone('Mars/Olympus')).toBe(false);
    expect(() => validateInboundOptions({ timeZone: 'Mars/Olympus' })).toThrow('timeZone: "Mars/Olympus" is not an IANA time zone');
    expect(() => validateInboundOptions({ charset: 'UTF-16' as 'UTF-8' })).toThrow('charset: "UTF-16" is not UTF-8 or ISO-8859-1');
    expect(() => validateInboundOptions({ emrIdType: 'M R' })).toThrow('emrIdType');
    expect(() => parseInbound(Buffer.from('MSH|^~\\&|A'), { timeZone: 'Nowhere' })).toThrow('timeZone');
    expect(() => validateInboundOptions({ timeZone: 'America/Toronto', charset: 'ISO-8859-1', emrIdType: 'PI' })).not.toThrow();
  });
});
