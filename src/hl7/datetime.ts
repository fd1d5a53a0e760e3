/**
 * HL7 v2 DTM / TS values (v2.5 section 2.A.74 TS): `YYYYMMDDHHMMSS+ZZZZ`, written in the
 * receiving site's wall-clock time with its offset. French EHRs live in Europe/Paris, hence
 * the default; the offset makes the instant unambiguous whatever zone is chosen.
 */
export const DEFAULT_TIME_ZONE = 'Europe/Paris';

export type Hl7TimePrecision = 'day' | 'minute' | 'second';

interface WallClock {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
  offsetMinutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Last result per zone: Intl's formatToParts is slow, and an ACK burst asks for the same second. */
const lastWallClock = new Map<string, { second: number; wc: WallClock }>();

function wallClock(date: Date, timeZone: string): WallClock {
  const second = Math.floor(date.getTime() / 1000);
  const cached = lastWallClock.get(timeZone);
  if (cached && cached.second === second) return cached.wc;
  const wc = computeWallClock(date, timeZone);
  lastWallClock.set(timeZone, { second, wc });
  return wc;
}

function computeWallClock(date: Date, timeZone: string): WallClock {
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, fmt);
  }
  const parts = Object.fromEntries(fmt.formatToParts(date).map((p) => [p.type, p.value]));
  const wc = {
    year: parts.year ?? '0000',
    month: parts.month ?? '01',
    day: parts.day ?? '01',
    hour: parts.hour ?? '00',
    minute: parts.minute ?? '00',
    second: parts.second ?? '00',
  };
  const asUtc = Date.UTC(+wc.year, +wc.month - 1, +wc.day, +wc.hour, +wc.minute, +wc.second);
  const offsetMinutes = Math.round((asUtc - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
  return { ...wc, offsetMinutes };
}

/** The UTC offset of `timeZone` at `date`, in minutes (east positive), as HL7's +ZZZZ says it. */
export function zoneOffsetMinutes(date: Date, timeZone: string): number {
  return wallClock(date, timeZone).offsetMinutes;
}

export function formatHl7DateTime(
  date: Date,
  opts: { timeZone?: string; precision?: Hl7TimePrecision; withOffset?: boolean } = {},
): string {
  const wc = wallClock(date, opts.timeZone ?? DEFAULT_TIME_ZONE);
  const precision = opts.precision ?? 'second';
  let out = wc.year + wc.month + wc.day;
  if (precision === 'day') return out;
  out += wc.hour + wc.minute;
  if (precision === 'second') out += wc.second;
  if (opts.withOffset ?? true) {
    const sign = wc.offsetMinutes < 0 ? '-' : '+';
    const abs = Math.abs(wc.offsetMinutes);
    out += sign + String(Math.floor(abs / 60)).padStart(2, '0') + String(abs % 60).padStart(2, '0');
  }
  return out;
}

/** FHIR `date` (YYYY, YYYY-MM or YYYY-MM-DD) to HL7 DT (YYYY[MM[DD]]); '' if not a date. */
export function fhirDateToHl7(value: string | undefined): string {
  if (!value) return '';
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(value);
  if (!m) return '';
  return (m[1] ?? '') + (m[2] ?? '') + (m[3] ?? '');
}

/** FHIR dateTime to HL7 TS in the given zone, at second precision; '' when absent/invalid. */
export function fhirDateTimeToHl7(value: string | undefined, timeZone?: string): string {
  if (!value) return '';
  if (/^\d{4}(-\d{2}(-\d{2})?)?$/.test(value)) return fhirDateToHl7(value);
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? '' : formatHl7DateTime(d, { timeZone });
}
