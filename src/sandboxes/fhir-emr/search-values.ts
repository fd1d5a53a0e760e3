import { OperationOutcomeError } from './operation-outcome.js';

/**
 * Value parsing and matching for the FHIR R4 search parameter types this EMR supports
 * (https://hl7.org/fhir/R4/search.html#ptypes): string, token, date, reference.
 */

/** Lower-case, accents removed: FHIR string search is case- and accent-insensitive. */
export function normalizeText(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().trim();
}

/**
 * Splits a parameter value on unescaped commas (OR); `\,` `\|` `\$` `\\` are escapes
 * (https://hl7.org/fhir/R4/search.html#escaping).
 */
export function splitOr(raw: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '\\' && i + 1 < raw.length) {
      cur += c + raw[++i];
    } else if (c === ',') {
      out.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  out.push(cur);
  return out;
}

/** Splits `system|code` on the first unescaped pipe, then unescapes both halves. */
export function splitToken(raw: string): { system: string | undefined; code: string } {
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '\\') {
      i++;
    } else if (raw[i] === '|') {
      return { system: unescape(raw.slice(0, i)), code: unescape(raw.slice(i + 1)) };
    }
  }
  return { system: undefined, code: unescape(raw) };
}

export function unescape(s: string): string {
  return s.replace(/\\([\\,|$])/g, '$1');
}

// ---- string ---------------------------------------------------------------------------

export type StringModifier = '' | 'exact' | 'contains';

export function matchString(values: readonly string[], query: string, modifier: StringModifier): boolean {
  if (modifier === 'exact') return values.includes(query);
  const q = normalizeText(query);
  return values.some((v) => {
    const n = normalizeText(v);
    return modifier === 'contains' ? n.includes(q) : n.startsWith(q);
  });
}

// ---- token ----------------------------------------------------------------------------

export interface TokenValue {
  system?: string | undefined;
  code: string;
}

/**
 * `code` matches any system, `system|code` both, `|code` only codes without a system,
 * `system|` any code in the system. `normalize` folds equivalent spellings (phone digits,
 * e-mail case) on both sides.
 */
export function matchToken(
  values: readonly TokenValue[],
  query: string,
  normalize: (s: string) => string = (s) => s,
): boolean {
  const { system, code } = splitToken(query);
  const q = normalize(code);
  return values.some((v) => {
    if (system === undefined) return normalize(v.code) === q;
    if (system === '') return v.system === undefined && normalize(v.code) === q;
    if (code === '') return v.system === system;
    return v.system === system && normalize(v.code) === q;
  });
}

/**
 * UK-centred phone normalisation (the seed is UK data): digits only, a leading `00` or the
 * national trunk `0` becomes the 44 country code, so `07700 900001`, `+44 7700 900001` and
 * `0044 7700900001` are the same number.
 */
export function normalizePhone(s: string): string {
  let d = s.replace(/\D/g, '');
  if (d.startsWith('00')) d = d.slice(2);
  else if (d.startsWith('0')) d = `44${d.slice(1)}`;
  return d;
}

export const normalizeEmail = (s: string): string => s.trim().toLowerCase();

// ---- date -----------------------------------------------------------------------------

/** Half-open interval [start, end) in epoch milliseconds. */
export interface DateRange {
  start: number;
  end: number;
}

export const DATE_PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb'] as const;
export type DatePrefix = (typeof DATE_PREFIXES)[number];

const DATE_RE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * The range a FHIR date/dateTime/instant string covers at its own precision: `2024` is the
 * whole year, `2024-03-01T10:00Z` one minute. Values without a zone are read as UTC (the
 * sandbox's documented assumption). Returns undefined for a malformed value.
 */
export function dateRange(value: string): DateRange | undefined {
  // An unencoded `+01:00` in a query string arrives as ` 01:00` (form decoding): accept it.
  const m = DATE_RE.exec(value.replace(/ (\d{2}:\d{2})$/, '+$1'));
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const year = Number(y);
  const month = mo ? Number(mo) - 1 : 0;
  const day = d ? Number(d) : 1;
  const hour = h ? Number(h) : 0;
  const minute = mi ? Number(mi) : 0;
  const second = s ? Number(s) : 0;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const wallClock = Date.UTC(year, month, day, hour, minute, second);
  // Date.UTC rolls 2024-02-31 over to March: reject instead of matching the wrong day.
  if (new Date(wallClock).getUTCMonth() !== month || new Date(wallClock).getUTCDate() !== day) return undefined;
  const offsetMs = !tz || tz === 'Z' ? 0 : (tz[0] === '-' ? -1 : 1) * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6))) * 60_000;
  const base = wallClock - offsetMs;
  if (!mo) return { start: base, end: Date.UTC(year + 1, 0, 1) };
  if (!d) return { start: base, end: Date.UTC(year, month + 1, 1) };
  if (!h) return { start: base, end: base + 86_400_000 };
  if (!s) return { start: base, end: base + 60_000 };
  if (!frac) return { start: base, end: base + 1000 };
  const ms = Math.floor(Number(frac) * 1000);
  return { start: base + ms, end: base + ms + 1 };
}

export function parseDateQuery(raw: string, param: string): { prefix: DatePrefix; range: DateRange } {
  const head = raw.slice(0, 2);
  const hasPrefix = (DATE_PREFIXES as readonly string[]).includes(head);
  const prefix: DatePrefix = hasPrefix ? (head as DatePrefix) : 'eq';
  const value = hasPrefix ? raw.slice(2) : raw;
  const range = dateRange(value);
  if (!range) throw OperationOutcomeError.of(400, 'value', `Invalid date value for search parameter '${param}'`, [param]);
  return { prefix, range };
}

/** Prefix semantics of https://hl7.org/fhir/R4/search.html#prefix on half-open ranges. */
export function matchDate(targets: readonly DateRange[], prefix: DatePrefix, q: DateRange): boolean {
  const test = (t: DateRange): boolean => {
    switch (prefix) {
      case 'eq':
        return t.start >= q.start && t.end <= q.end;
      case 'ne':
        return !(t.start >= q.start && t.end <= q.end);
      case 'gt':
        return t.end > q.end;
      case 'ge':
        return t.end > q.start;
      case 'lt':
        return t.start < q.start;
      case 'le':
        return t.start < q.end;
      case 'sa':
        return t.start >= q.end;
      case 'eb':
        return t.end <= q.start;
    }
  };
  return targets.some(test);
}

// ---- reference ------------------------------------------------------------------------

/**
 * Reduces `Patient/123`, `http://host/base/Patient/123` or a bare `123` to `{type, id}`
 * (type undefined for a bare id: it then matches any target type).
 */
export function parseReference(raw: string): { type: string | undefined; id: string } {
  const parts = raw.replace(/\/_history\/[^/]+$/, '').split('/').filter(Boolean);
  const id = parts[parts.length - 1] ?? '';
  const type = parts.length >= 2 ? parts[parts.length - 2] : undefined;
  return { type, id };
}

export function matchReference(
  references: readonly string[],
  query: string,
  allowedTypes: readonly string[] | undefined,
): boolean {
  const q = parseReference(query);
  if (q.type !== undefined && allowedTypes && !allowedTypes.includes(q.type)) return false;
  return references.some((r) => {
    const t = parseReference(r);
    if (allowedTypes && t.type !== undefined && !allowedTypes.includes(t.type)) return false;
    return t.id === q.id && (q.type === undefined || t.type === q.type);
  });
}
