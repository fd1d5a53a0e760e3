/**
 * Transforms compiled once per template into plain functions over cell strings. A failing
 * transform returns a shared TransformFailure constant (never throws, never allocates), so a
 * file full of bad dates costs no more than a clean one. Failure messages describe what is wrong
 * and never repeat the cell value (it may be patient data).
 */
import {
  DATE_FAILURES, checkIsoDate, offsetDateTimeToIso, parseDate, parseTime, zonedDateTimeToIso, type DateFormat,
} from './dates.js';
import { normalisePhone } from './phone.js';
import type { Transform } from './template.js';

export const MAPPING_ISSUE_CODES = {
  invalidDate: 'invalid-date',
  impossibleDate: 'impossible-date',
  invalidDateTime: 'invalid-datetime',
  invalidTime: 'invalid-time',
  noTimeZone: 'datetime-no-timezone',
  missingColumn: 'missing-column',
} as const satisfies Record<string, string>;
export type MappingIssueCode = (typeof MAPPING_ISSUE_CODES)[keyof typeof MAPPING_ISSUE_CODES];

export interface TransformFailure {
  readonly failed: true;
  readonly code: MappingIssueCode;
  /** Completes "<field> ..." — e.g. "birthDate is not a real calendar date". */
  readonly message: string;
}

function failure(code: MappingIssueCode, message: string): TransformFailure {
  return Object.freeze({ failed: true, code, message });
}

const IMPOSSIBLE_DATE = failure('impossible-date', 'is not a real calendar date');
const BAD_DATETIME = failure('invalid-datetime', 'is not a date-time that can be read (expected ISO 8601, or a date and a time)');
const IMPOSSIBLE_DATETIME = failure('impossible-date', 'is not a real calendar date');
const BAD_TIME = failure('invalid-time', 'has no readable time of day (expected HH:mm)');
const NO_ZONE = failure('datetime-no-timezone', 'has no time zone offset and the mapping sets no timeZone');
const badDateFailures = new Map<DateFormat, TransformFailure>();
function badDate(format: DateFormat): TransformFailure {
  let f = badDateFailures.get(format);
  if (!f) {
    f = failure('invalid-date', `is not a date in the format ${format}`);
    badDateFailures.set(format, f);
  }
  return f;
}

export type ScalarTransform = (value: string) => string | TransformFailure;
export type CombineTransform = (values: readonly string[]) => string | TransformFailure;

export function isFailure<T>(v: T | TransformFailure): v is TransformFailure {
  return typeof v === 'object' && v !== null && 'failed' in v;
}

// ---------------------------------------------------------------------------------------------
// value maps

const RE_ACCENTS = /[\u0300-\u036f]/g;
const RE_SPACES = /\s+/g;

/** Key used by case-insensitive value maps: lower case, no accents, single spaces. */
export function valueMapKey(value: string): string {
  return value.normalize('NFD').replace(RE_ACCENTS, '').toLowerCase().replace(RE_SPACES, ' ').trim();
}

/** Sex codes seen in EMR exports (English, French, German; HL7 v2 AdministrativeSex letters). */
export const SEX_VALUE_MAP: Readonly<Record<string, string>> = {
  m: 'male', male: 'male', man: 'male', h: 'male', homme: 'male', masculin: 'male', mann: 'male', mannlich: 'male',
  f: 'female', female: 'female', woman: 'female', w: 'female', femme: 'female', feminin: 'female', frau: 'female', weiblich: 'female',
  o: 'other', other: 'other', x: 'other', 'non-binary': 'other', nonbinary: 'other', autre: 'other', divers: 'other', d: 'other', a: 'other',
  u: 'unknown', unknown: 'unknown', unk: 'unknown', inconnu: 'unknown', unbekannt: 'unknown', 'not known': 'unknown', n: 'unknown',
};

export const APPOINTMENT_TYPE_VALUE_MAP: Readonly<Record<string, string>> = {
  online: 'online', video: 'online', virtual: 'online', telehealth: 'online', 'video call': 'online', visio: 'online', teleconsultation: 'online',
  inperson: 'inperson', 'in person': 'inperson', 'in-person': 'inperson', office: 'inperson', clinic: 'inperson', onsite: 'inperson', 'on site': 'inperson', presentiel: 'inperson',
  phone: 'phone', telephone: 'phone', call: 'phone', 'phone call': 'phone', tel: 'phone',
  message: 'message', messaging: 'message', chat: 'message', 'secure message': 'message', text: 'message',
};

function compileValueMap(t: Extract<Transform, { type: 'value-map' }>): ScalarTransform {
  const base = t.preset === 'sex' ? SEX_VALUE_MAP : t.preset === 'appointment-type' ? APPOINTMENT_TYPE_VALUE_MAP : {};
  const entries = { ...base, ...(t.map ?? {}) };
  const keep = (t.otherwise ?? 'keep') === 'keep';
  if (t.caseSensitive) {
    const exact = new Map(Object.entries(entries));
    return (v) => (v === '' ? '' : exact.get(v) ?? (keep ? v : ''));
  }
  const folded = new Map<string, string>();
  for (const [k, val] of Object.entries(entries)) folded.set(valueMapKey(k), val);
  return (v) => {
    if (v === '') return '';
    // Cheap lower-case lookup first: the full accent fold is only needed on a miss.
    const hit = folded.get(v.toLowerCase()) ?? folded.get(valueMapKey(v));
    return hit ?? (keep ? v : '');
  };
}

// ---------------------------------------------------------------------------------------------
// names

const RE_TITLE_BOUNDARY = /(^|[\s\-'’])(\p{L})/gu;
function titleCase(v: string): string {
  return v.toLowerCase().replace(RE_TITLE_BOUNDARY, (_m, sep: string, ch: string) => sep + ch.toUpperCase());
}

const RE_DIGIT_RUNS = /\d+/g;
const RE_MULTI_SPACE = /\s{2,}/g;
function stripDigits(v: string): string {
  let i = 0;
  for (; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 48 && c <= 57) break;
  }
  if (i === v.length) return v;
  let out = v.replace(RE_DIGIT_RUNS, '');
  if (out.indexOf('  ') !== -1) out = out.replace(RE_MULTI_SPACE, ' ');
  return out.trim();
}

/** Splits a full name; "Last, First Middle" or "First Middle Last". */
export function splitName(v: string, style: 'auto' | 'last-first' | 'first-last' = 'auto'): { first: string; last: string } {
  const comma = v.indexOf(',');
  if (style === 'last-first' || (style === 'auto' && comma !== -1)) {
    if (comma === -1) {
      const sp = v.indexOf(' ');
      return sp === -1 ? { first: '', last: v } : { first: v.slice(sp + 1).trim(), last: v.slice(0, sp).trim() };
    }
    return { first: v.slice(comma + 1).trim(), last: v.slice(0, comma).trim() };
  }
  const s = v.trim();
  const sp = s.lastIndexOf(' ');
  if (sp === -1) return { first: s, last: '' };
  return { first: s.slice(0, sp).trim(), last: s.slice(sp + 1) };
}

// ---------------------------------------------------------------------------------------------
// date-times

const RE_ISO_LOCAL = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;
const RE_DATE_TIME_SPLIT = /^(\S+)[T\s]+(.+)$/;

function normaliseOffset(raw: string): string {
  if (raw === 'Z' || raw === '+00:00' || raw === '-00:00' || raw === '+0000' || raw === '-0000') return 'Z';
  return raw.length === 5 ? `${raw.slice(0, 3)}:${raw.slice(3)}` : raw;
}

function buildDateTime(
  y: number, mo: number, d: number, time: [number, number, number], offset: string | undefined,
  timeZone: string | undefined,
): string | TransformFailure {
  if (offset !== undefined) return offsetDateTimeToIso(y, mo, d, time[0], time[1], time[2], normaliseOffset(offset));
  if (timeZone === undefined) return NO_ZONE;
  return zonedDateTimeToIso(y, mo, d, time[0], time[1], time[2], timeZone);
}

function compileDateTime(dateFormat: DateFormat | undefined, timeZone: string | undefined): CombineTransform {
  const fmt = dateFormat ?? 'YYYY-MM-DD';
  const readDate = (s: string): [number, number, number] | TransformFailure => {
    const iso = parseDate(s, fmt === 'YYYY-MM-DD' ? 'ISO' : fmt);
    if (iso === DATE_FAILURES.invalid) return BAD_DATETIME;
    if (iso === DATE_FAILURES.impossible) return IMPOSSIBLE_DATETIME;
    return [+iso.slice(0, 4), +iso.slice(5, 7), +iso.slice(8, 10)];
  };
  return (values) => {
    const a = values[0] ?? '';
    const b = values.length > 1 ? (values[1] ?? '') : '';
    if (a === '' && b === '') return '';
    if (a === '') return BAD_DATETIME;
    if (values.length > 1) {
      const date = readDate(a);
      if (isFailure(date)) return date;
      if (b === '') return BAD_TIME;
      const off = /\s*(Z|[+-]\d{2}:?\d{2})$/.exec(b);
      const time = parseTime(off ? b.slice(0, off.index) : b);
      if (!time) return BAD_TIME;
      return buildDateTime(date[0], date[1], date[2], time, off?.[1], timeZone);
    }
    // One column: ISO first (with or without offset), then "<date in dateFormat> <time>".
    const m = RE_ISO_LOCAL.exec(a);
    if (m) {
      const y = +m[1]!, mo = +m[2]!, d = +m[3]!;
      if (m[4] === undefined) return BAD_TIME;
      const date = readDate(`${m[1]}-${m[2]}-${m[3]}`);
      if (isFailure(date)) return date;
      const time = parseTime(`${m[4]}:${m[5]}${m[6] ? `:${m[6]}` : ''}`);
      if (!time) return BAD_TIME;
      return buildDateTime(y, mo, d, time, m[7], timeZone);
    }
    const parts = RE_DATE_TIME_SPLIT.exec(a);
    if (!parts) return BAD_DATETIME;
    const date = readDate(parts[1]!);
    if (isFailure(date)) return date;
    const rest = parts[2]!;
    const off = /\s*(Z|[+-]\d{2}:?\d{2})$/.exec(rest);
    const time = parseTime(off ? rest.slice(0, off.index) : rest);
    if (!time) return BAD_TIME;
    return buildDateTime(date[0], date[1], date[2], time, off?.[1], timeZone);
  };
}

// ---------------------------------------------------------------------------------------------
// compile

export interface CompiledTransforms {
  /** Applied to each column's value before the combiner (or to the only value). */
  readonly before: readonly ScalarTransform[];
  /** Turns several column values into one; null for single-column fields without one. */
  readonly combine: CombineTransform | null;
  /** Applied to the combined value. */
  readonly after: readonly ScalarTransform[];
}

export interface TransformContext {
  /** options.timeZone of the template, used when a datetime transform sets none. */
  readonly timeZone?: string;
}

const joinWith = (separator: string): CombineTransform => (values) => {
  let out = '';
  for (const v of values) {
    if (v === '') continue;
    out = out === '' ? v : out + separator + v;
  }
  return out;
};

/** The implicit combiner when several columns feed a field without join/datetime. */
export const DEFAULT_JOIN: CombineTransform = joinWith(' ');

function compileScalar(t: Exclude<Transform, { type: 'join' } | { type: 'datetime' }>): ScalarTransform {
  switch (t.type) {
    case 'trim': return (v) => v.trim();
    case 'upper': return (v) => v.toUpperCase();
    case 'lower': return (v) => v.toLowerCase();
    case 'title': return (v) => (v === '' ? v : titleCase(v));
    case 'split': {
      const { part, style } = t;
      return (v) => (v === '' ? v : splitName(v, style)[part]);
    }
    case 'value-map': return compileValueMap(t);
    case 'date': {
      const { format } = t;
      const bad = badDate(format);
      const canonical = format === 'YYYY-MM-DD' || format === 'ISO';
      return (v) => {
        if (v === '') return v;
        // Fast path: already canonical (Synthea, most EMR exports).
        if (canonical && v.length === 10 && checkIsoDate(v) === 'ok') return v;
        const r = parseDate(v, format);
        return r === DATE_FAILURES.invalid ? bad : r === DATE_FAILURES.impossible ? IMPOSSIBLE_DATE : r;
      };
    }
    case 'phone': {
      const { defaultCountry } = t;
      // No digits at all ("n/a", "unknown"): keep the text so validation reports it.
      return (v) => (v === '' ? v : normalisePhone(v, defaultCountry) || v);
    }
    case 'strip-digits': return stripDigits;
    case 'default': {
      const { value } = t;
      return (v) => (v === '' ? value : v);
    }
  }
}

/** Compiles a field's transform list. The first join/datetime is the combiner. */
export function compileTransforms(transforms: readonly Transform[] | undefined, ctx: TransformContext = {}): CompiledTransforms {
  const before: ScalarTransform[] = [];
  const after: ScalarTransform[] = [];
  let combine: CombineTransform | null = null;
  for (const t of transforms ?? []) {
    if (t.type === 'join' || t.type === 'datetime') {
      const c = t.type === 'join'
        ? joinWith(t.separator ?? ' ')
        : compileDateTime(t.dateFormat, t.timeZone ?? ctx.timeZone);
      if (combine === null) {
        combine = c;
      } else {
        // A second combiner sees the first one's single result.
        after.push((v) => c([v]));
      }
      continue;
    }
    (combine === null ? before : after).push(compileScalar(t));
  }
  return { before, combine, after };
}

/** Runs `fns` in order; stops at the first failure. */
export function runScalars(fns: readonly ScalarTransform[], value: string): string | TransformFailure {
  let v: string | TransformFailure = value;
  for (let i = 0; i < fns.length; i++) {
    v = fns[i]!(v as string);
    if (typeof v !== 'string') return v;
  }
  return v;
}
