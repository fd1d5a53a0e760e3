/**
 * Calendar-date and date-time parsing for CSV cells, without Date-object guessing: a declared
 * format is read digit by digit and impossible dates (2021-02-30) are rejected, where
 * `new Date()` would silently roll them over. Isomorphic (Intl only).
 */

export const DATE_FORMATS = [
  'YYYY-MM-DD', 'DD/MM/YYYY', 'MM/DD/YYYY', 'YYYYMMDD', 'DD.MM.YYYY', 'DD-MM-YYYY', 'ISO',
] as const satisfies readonly string[];
export type DateFormat = (typeof DATE_FORMATS)[number];

export const DATE_FAILURES = {
  /** The text does not have the declared shape. */
  invalid: 'invalid-date',
  /** The shape is right but the day does not exist (2021-02-30, month 13). */
  impossible: 'impossible-date',
} as const satisfies Record<string, string>;
export type DateFailure = (typeof DATE_FAILURES)[keyof typeof DATE_FAILURES];

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

export function isRealDate(year: number, month: number, day: number): boolean {
  return year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
function pad4(n: number): string {
  return n < 1000 ? String(n).padStart(4, '0') : String(n);
}

export function formatIsoDate(year: number, month: number, day: number): string {
  return `${pad4(year)}-${pad2(month)}-${pad2(day)}`;
}

const RE_YMD = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
const RE_DMY_SLASH = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const RE_DMY_DOT = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/;
const RE_DMY_DASH = /^(\d{1,2})-(\d{1,2})-(\d{4})$/;
const RE_COMPACT = /^(\d{4})(\d{2})(\d{2})$/;
/** ISO date, optionally followed by a time part: the calendar date is taken as written. */
const RE_ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Reads `value` in `format` and returns `YYYY-MM-DD`, or a failure code. */
export function parseDate(value: string, format: DateFormat): string | DateFailure {
  let m: RegExpExecArray | null;
  let y: number;
  let mo: number;
  let d: number;
  switch (format) {
    case 'YYYY-MM-DD':
      m = RE_YMD.exec(value);
      if (!m) return DATE_FAILURES.invalid;
      y = +m[1]!; mo = +m[2]!; d = +m[3]!;
      break;
    case 'ISO':
      m = RE_ISO.exec(value);
      if (!m) return DATE_FAILURES.invalid;
      y = +m[1]!; mo = +m[2]!; d = +m[3]!;
      break;
    case 'YYYYMMDD':
      m = RE_COMPACT.exec(value);
      if (!m) return DATE_FAILURES.invalid;
      y = +m[1]!; mo = +m[2]!; d = +m[3]!;
      break;
    case 'DD/MM/YYYY':
    case 'MM/DD/YYYY':
      m = RE_DMY_SLASH.exec(value);
      if (!m) return DATE_FAILURES.invalid;
      y = +m[3]!;
      if (format === 'DD/MM/YYYY') { d = +m[1]!; mo = +m[2]!; } else { mo = +m[1]!; d = +m[2]!; }
      break;
    case 'DD.MM.YYYY':
      m = RE_DMY_DOT.exec(value);
      if (!m) return DATE_FAILURES.invalid;
      d = +m[1]!; mo = +m[2]!; y = +m[3]!;
      break;
    case 'DD-MM-YYYY':
      m = RE_DMY_DASH.exec(value);
      if (!m) return DATE_FAILURES.invalid;
      d = +m[1]!; mo = +m[2]!; y = +m[3]!;
      break;
  }
  if (!isRealDate(y, mo, d)) return DATE_FAILURES.impossible;
  return formatIsoDate(y, mo, d);
}

/** Strict `YYYY-MM-DD` check used by validation: 'ok', or a failure code. */
export function checkIsoDate(value: string): 'ok' | DateFailure {
  if (value.length !== 10 || value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45) return DATE_FAILURES.invalid;
  const y = digits(value, 0, 4);
  const mo = digits(value, 5, 2);
  const d = digits(value, 8, 2);
  if (y < 0 || mo < 0 || d < 0) return DATE_FAILURES.invalid;
  return isRealDate(y, mo, d) ? 'ok' : DATE_FAILURES.impossible;
}

/** Parses `count` ASCII digits at `at`; -1 when any is not a digit. Avoids regex on the hot path. */
function digits(s: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

const RE_TIME = /^(\d{1,2})(?::(\d{2}))(?::(\d{2}))?(?:\.\d+)?\s*([AaPp]\.?[Mm]\.?)?$/;
const RE_TIME_COMPACT = /^(\d{2})(\d{2})$/;

/** Reads `14:30`, `14:30:15`, `2:30 PM`, `1430`; returns [h, m, s] or null. */
export function parseTime(value: string): [number, number, number] | null {
  let h: number;
  let mi: number;
  let s = 0;
  const m = RE_TIME.exec(value);
  if (m) {
    h = +m[1]!; mi = +m[2]!; s = m[3] ? +m[3] : 0;
    const ampm = m[4];
    if (ampm) {
      if (h < 1 || h > 12) return null;
      const pm = ampm[0] === 'p' || ampm[0] === 'P';
      h = (h % 12) + (pm ? 12 : 0);
    }
  } else {
    const c = RE_TIME_COMPACT.exec(value);
    if (!c) return null;
    h = +c[1]!; mi = +c[2]!;
  }
  if (h > 23 || mi > 59 || s > 59) return null;
  return [h, mi, s];
}

const RE_ISO_DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/;

/** Strict check of the canonical `start` value: ISO 8601 date-time WITH a zone. */
export function checkIsoDateTime(value: string): 'ok' | 'invalid' | 'impossible' {
  const m = RE_ISO_DATETIME.exec(value);
  if (!m) return 'invalid';
  if (!isRealDate(+m[1]!, +m[2]!, +m[3]!)) return 'impossible';
  if (+m[4]! > 23 || +m[5]! > 59 || (m[6] !== undefined && +m[6] > 59)) return 'impossible';
  if (m[8] !== undefined && (+m[8] > 14 || +m[9]! > 59)) return 'impossible';
  return 'ok';
}

/** Formats an offset in minutes as `Z` / `+05:30`. */
export function formatOffset(minutes: number): string {
  if (minutes === 0) return 'Z';
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

function zoneFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = zoneFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    zoneFormatters.set(timeZone, f);
  }
  return f;
}

/** True when `timeZone` is an IANA zone this runtime knows (or UTC). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    zoneFormatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Offset (minutes east of UTC) of `timeZone` at the instant `utcMs`. */
function zoneOffsetAt(timeZone: string, utcMs: number): number {
  const parts = zoneFormatter(timeZone).formatToParts(new Date(utcMs));
  let y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  for (const p of parts) {
    switch (p.type) {
      case 'year': y = +p.value; break;
      case 'month': mo = +p.value; break;
      case 'day': d = +p.value; break;
      case 'hour': h = +p.value; break;
      case 'minute': mi = +p.value; break;
      case 'second': s = +p.value; break;
      default: break;
    }
  }
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  return Math.round((asUtc - Math.floor(utcMs / 1000) * 1000) / 60000);
}

/**
 * Wall-clock time in an IANA zone → ISO 8601 with the zone's offset at that moment.
 * Two passes settle DST transitions; a time skipped by a spring-forward gap resolves to the
 * offset after the gap (documented behaviour, not an error).
 */
export function zonedDateTimeToIso(
  y: number, mo: number, d: number, h: number, mi: number, s: number, timeZone: string,
): string {
  const wallAsUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  let offset = zoneOffsetAt(timeZone, wallAsUtc);
  const second = zoneOffsetAt(timeZone, wallAsUtc - offset * 60000);
  if (second !== offset) offset = second;
  return `${formatIsoDate(y, mo, d)}T${pad2(h)}:${pad2(mi)}:${pad2(s)}${formatOffset(offset)}`;
}

/** Date-time with a fixed offset, e.g. `-05:00`, `Z`. */
export function offsetDateTimeToIso(
  y: number, mo: number, d: number, h: number, mi: number, s: number, offset: string,
): string {
  return `${formatIsoDate(y, mo, d)}T${pad2(h)}:${pad2(mi)}:${pad2(s)}${offset}`;
}

/** Today's date as `YYYY-MM-DD` in the given zone (default: the runtime's zone). */
export function todayIsoDate(timeZone?: string, now: Date = new Date()): string {
  const f = timeZone ? zoneFormatter(timeZone) : new Intl.DateTimeFormat('en-US', {
    year: 'numeric', month: 'numeric', day: 'numeric',
  });
  let y = 0, mo = 0, d = 0;
  for (const p of f.formatToParts(now)) {
    if (p.type === 'year') y = +p.value;
    else if (p.type === 'month') mo = +p.value;
    else if (p.type === 'day') d = +p.value;
  }
  return formatIsoDate(y, mo, d);
}
