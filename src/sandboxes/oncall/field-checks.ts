import { MSG, type ErrorBag } from './drf-errors.js';
import { TEXT_LIMITS } from './assumptions.js';
import { INT32_MAX } from './limits.js';
import { parseRelationUrl, type Resource } from './resource-urls.js';

/**
 * Field-level checks with Django REST framework semantics (CharField trims and accepts numbers,
 * IntegerField accepts integral strings, BooleanField accepts its usual spellings). Hand-written
 * rather than zod so the hot path stays cheap and the messages match DRF's.
 */

/** A failed check; carries the DRF message for that field. */
export class Invalid {
  constructor(readonly message: string) {}
}

export function isInvalid(value: unknown): value is Invalid {
  return value instanceof Invalid;
}

/** A key present in a request body with a value (JSON `null` counts; absent or undefined does not). */
export function has(body: Record<string, unknown>, key: string): boolean {
  return Object.hasOwn(body, key) && body[key] !== undefined;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface TextRules {
  max: number;
  allowBlank?: boolean;
  allowNull?: boolean;
}

/** CharField: strings (trimmed) and numbers are accepted; booleans, lists and objects are not. */
export function checkText(value: unknown, rules: TextRules): string | null | Invalid {
  if (value === null) return rules.allowNull ? null : new Invalid(MSG.null);
  let text: string;
  if (typeof value === 'string') text = value.trim();
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else return new Invalid(MSG.string);
  if (text === '' && !rules.allowBlank) return new Invalid(MSG.blank);
  if (text.length > rules.max) return new Invalid(MSG.maxLength(rules.max));
  return text;
}

// Close to Django's EmailValidator: a dot-atom local part and a dotted domain of letter/digit labels.
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

export function checkEmail(value: unknown, rules: TextRules): string | null | Invalid {
  const text = checkText(value, rules);
  if (text === null || isInvalid(text) || text === '') return text;
  if (!EMAIL.test(text) || text.startsWith('.') || text.includes('..') || text.includes('.@')) {
    return new Invalid(MSG.email);
  }
  return text;
}

export function checkChoice<T extends string>(value: unknown, choices: readonly T[]): T | Invalid {
  if (value === null) return new Invalid(MSG.null);
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
  return new Invalid(MSG.choice);
}

function isRealDate(year: number, month: number, day: number): boolean {
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const days = new Date(Date.UTC(2000, month, 0)).getUTCDate(); // 2000 is a leap year
  if (day > days) return false;
  if (month === 2 && day === 29) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return true;
}

/** DateField, ISO `YYYY-MM-DD` only, and a date that exists. */
export function checkDate(value: unknown, allowNull: boolean): string | null | Invalid {
  if (value === null) return allowNull ? null : new Invalid(MSG.null);
  if (typeof value !== 'string') return new Invalid(MSG.date);
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m || !isRealDate(Number(m[1]), Number(m[2]), Number(m[3]))) return new Invalid(MSG.date);
  return value;
}

const DATETIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * DateTimeField, ISO 8601. A value without offset is read in UTC (assumptions.ts
 * NAIVE_DATETIME_ZONE). Returns epoch milliseconds.
 */
export function checkDatetime(value: unknown): number | Invalid {
  if (typeof value !== 'string') return new Invalid(MSG.datetime);
  const m = DATETIME.exec(value.trim());
  if (!m) return new Invalid(MSG.datetime);
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (!isRealDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return new Invalid(MSG.datetime);
  const millis = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 23 || om > 59) return new Invalid(MSG.datetime);
    offsetMinutes = sign * (oh * 60 + om);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
}

/** DRF renders aware datetimes in UTC as ISO 8601 with `Z`, microseconds only when non-zero. */
export function formatDatetime(epochMs: number): string {
  const iso = new Date(epochMs).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const ms = iso.slice(20, 23);
  return ms === '000' ? `${iso.slice(0, 19)}Z` : `${iso.slice(0, 19)}.${ms}000Z`;
}

/** IntegerField: integral numbers or strings of digits ("60", "60.0"); booleans are refused. */
export function checkInteger(value: unknown, min: number, max = INT32_MAX): number | Invalid {
  if (value === null) return new Invalid(MSG.null);
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^\s*-?\d+(?:\.0*)?\s*$/.test(value)) n = Number.parseFloat(value);
  else return new Invalid(MSG.integer);
  if (!Number.isInteger(n)) return new Invalid(MSG.integer);
  if (n < min) return new Invalid(MSG.minValue(min));
  if (n > max) return new Invalid(MSG.maxValue(max));
  return n;
}

/** Decimal/float field for fees: numbers or numeric strings, not negative. */
export function checkAmount(value: unknown): number | Invalid {
  if (value === null) return new Invalid(MSG.null);
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^\s*-?\d+(?:\.\d+)?\s*$/.test(value)) n = Number(value);
  else return new Invalid(MSG.number);
  if (!Number.isFinite(n)) return new Invalid(MSG.number);
  if (n < 0) return new Invalid(MSG.minValue(0));
  if (n > 99_999_999.99) return new Invalid(MSG.maxValue(99_999_999.99));
  return Math.round(n * 100) / 100;
}

const TRUE_VALUES = new Set<unknown>([true, 1, 'true', 'True', 'TRUE', '1', 'yes', 'Yes', 'on', 'On', 't', 'T', 'y', 'Y']);
const FALSE_VALUES = new Set<unknown>([false, 0, 'false', 'False', 'FALSE', '0', 'no', 'No', 'off', 'Off', 'f', 'F', 'n', 'N']);

/** BooleanField with DRF's accepted spellings. */
export function checkBoolean(value: unknown): boolean | Invalid {
  if (value === null) return new Invalid(MSG.null);
  if (TRUE_VALUES.has(value)) return true;
  if (FALSE_VALUES.has(value)) return false;
  return new Invalid(MSG.boolean);
}

/** HyperlinkedRelatedField: a URL (or path) of this API naming `resource`; existence is checked by `exists`. */
export function checkRelation(value: unknown, resource: Resource, exists: (id: number) => boolean): number | Invalid {
  if (value === null) return new Invalid(MSG.null);
  if (typeof value !== 'string') return new Invalid(MSG.hyperlinkType);
  const parsed = parseRelationUrl(value.trim(), resource);
  if (parsed.kind === 'no-match') return new Invalid(MSG.hyperlinkNoMatch);
  if (parsed.kind === 'wrong-resource') return new Invalid(MSG.hyperlinkWrongMatch);
  if (!exists(parsed.id)) return new Invalid(MSG.hyperlinkMissing);
  return parsed.id;
}

/**
 * `name`, `first_name`, `last_name` of a person (roster contact or participant), checked the
 * same way for both; the values found go into `out`.
 */
export function checkNameFields(
  body: Record<string, unknown>,
  bag: ErrorBag,
  out: { name?: string; firstName?: string; lastName?: string },
  nameMayBeBlank: boolean,
): void {
  if (has(body, 'name')) {
    const v = checkText(body.name, { max: TEXT_LIMITS.name, allowBlank: nameMayBeBlank });
    if (isInvalid(v)) bag.add('name', v.message);
    else if (v !== null) out.name = v;
  }
  for (const [key, prop] of [['first_name', 'firstName'], ['last_name', 'lastName']] as const) {
    if (!has(body, key)) continue;
    const v = checkText(body[key], { max: TEXT_LIMITS[key], allowBlank: true });
    if (isInvalid(v)) bag.add(key, v.message);
    else if (v !== null) out[prop] = v;
  }
}
