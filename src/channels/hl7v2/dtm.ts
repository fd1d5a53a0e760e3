/**
 * Strict reading of HL7 v2 DT / DTM / TS values (v2.5 section 2.A.22 DTM, 2.A.77 TS):
 * `YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]`. Unlike @medplum/core's
 * `parseHl7DateTime`, an impossible date (Feb 30, month 13, 25:00) is refused instead of
 * rolling over to another day: a birth date must never silently change.
 */
import { zoneOffsetMinutes } from '../../hl7/datetime.js';

export type DtmPrecision = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second';

export interface ParsedDtm {
  precision: DtmPrecision;
  /** FHIR `date` at the written precision (YYYY, YYYY-MM or YYYY-MM-DD), wall-clock date as written. */
  date: string;
  /** FHIR `instant` in UTC (`...Z`) when the value has at least an hour; else undefined. */
  instant?: string;
  /** True when the value carried its own UTC offset. */
  hasOffset: boolean;
}

const DTM = /^(\d{4})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.(\d{1,4}))?)?)?)?)?)?([+-]\d{4})?$/;

/**
 * Parse a DTM. `timeZone` (IANA) is the sender's zone for values without an offset.
 * Returns undefined when the value is not a valid date/time.
 */
export function parseDtm(value: string, timeZone = 'UTC'): ParsedDtm | undefined {
  const m = DTM.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, off] = m;
  const year = Number(y);
  const month = mo === undefined ? 1 : Number(mo);
  const day = d === undefined ? 1 : Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (month < 1 || month > 12) return undefined;
  if (day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes: number | undefined;
  if (off !== undefined) {
    const oh = Number(off.slice(1, 3));
    const om = Number(off.slice(3, 5));
    if (oh > 14 || om > 59) return undefined;
    offsetMinutes = (off.startsWith('-') ? -1 : 1) * (oh * 60 + om);
  }
  const precision: DtmPrecision =
    s !== undefined ? 'second' : mi !== undefined ? 'minute' : h !== undefined ? 'hour' : d !== undefined ? 'day' : mo !== undefined ? 'month' : 'year';
  const date = [y, mo, d].filter((p) => p !== undefined).join('-');
  const result: ParsedDtm = { precision, date, hasOffset: off !== undefined };
  if (h !== undefined) {
    const ms = frac === undefined ? 0 : Math.round(Number(`0.${frac}`) * 1000);
    const wall = Date.UTC(year, month - 1, day, hour, minute, second, ms);
    const utc = offsetMinutes !== undefined ? wall - offsetMinutes * 60_000 : wallToUtc(wall, timeZone);
    result.instant = formatInstant(new Date(utc), ms !== 0);
  }
  return result;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function formatInstant(date: Date, withMillis: boolean): string {
  const iso = date.toISOString();
  return withMillis ? iso : iso.replace(/\.\d{3}Z$/, 'Z');
}

/** Offset of `timeZone` at the instant `utc` (ms), in ms: the outbound builder's own reading. */
function zoneOffset(utc: number, timeZone: string): number {
  return zoneOffsetMinutes(new Date(utc), timeZone) * 60_000;
}

/** Wall-clock time in `timeZone` (given as if UTC) to the real UTC instant. */
function wallToUtc(wall: number, timeZone: string): number {
  if (timeZone === 'UTC') return wall;
  const first = wall - zoneOffset(wall, timeZone);
  const second = wall - zoneOffset(first, timeZone);
  return second;
}

const knownZones = new Set<string>(['UTC']);

/** True when `timeZone` is a zone this runtime knows. */
export function isKnownTimeZone(timeZone: string): boolean {
  if (knownZones.has(timeZone)) return true;
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    knownZones.add(timeZone);
    return true;
  } catch {
    return false;
  }
}
