/**
 * Rules a mapped record must pass before it is turned into FHIR and sent to OnCall
 * (shared reference "OnCall Health": contact fields, appointment create requirements,
 * metadata and participant limits). Same code in the browser (instant feedback) and on the
 * server (the decision), so it is pure and allocation-light: one issues array per record.
 */
import type { RecordType } from '../../../domain/identifiers.js';
import { checkIsoDate, checkIsoDateTime } from '../mapping/dates.js';
import { APPOINTMENT_TYPES, FIELD_CATALOGUE, SEX_VALUES, type FieldDefinition } from '../mapping/fields.js';
import type { ImportRecord } from '../mapping/import-record.js';
import { DEFAULT_EMR_ID_METADATA_KEY, ONCALL_LIMITS } from '../mapping/oncall-limits.js';
import { countDigits } from '../mapping/phone.js';
import type { MappingOptions } from '../mapping/template.js';
import type { ValidationCode, ValidationIssue } from './issues.js';
import { splitParticipants } from './participants.js';

export interface ValidationContext {
  /** Physical CSV line of the record (0 when not from a file). */
  readonly line?: number;
  /** Source column(s) of a field, for the `column` of each issue. */
  readonly columnOf?: (field: string) => string | undefined;
  /** Today as YYYY-MM-DD (birth dates after it are errors). Default: the runtime's today. */
  readonly today?: string;
  /** The template options (participant separator, EMR-id metadata key). */
  readonly options?: MappingOptions;
  /** Fields the mapping step already reported (a failed date transform): not judged twice. */
  readonly skipFields?: readonly string[];
  /** Dynamic keys of the record (`customFields.*`, `metadata.*`); computed when absent. */
  readonly dynamicFields?: readonly string[];
}

/** HTML Living Standard "valid e-mail address", requiring a dot in the domain. */
const RE_EMAIL = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$/;
const RE_EMAIL_LIKE = /\S@\S+\.\S/;
const RE_PHONE_CHARS = /^\+?[\d\s().\-/]+$/;
const RE_REFERENCE = /^(?:https?:\/\/\S+|[A-Za-z0-9_-]{1,64})$/;
const RE_DURATION = /^\d{1,10}$/;
const RE_FEE = /^\d{1,9}(?:\.\d{1,2})?$/;

const SEX_SET: ReadonlySet<string> = new Set(SEX_VALUES);
const TYPE_SET: ReadonlySet<string> = new Set(APPOINTMENT_TYPES);

/** Static fields with a length limit, per record type (multi-valued fields checked per value). */
const LENGTH_CHECKS: Record<RecordType, readonly (readonly [string, number])[]> = {
  contacts: staticLimits(FIELD_CATALOGUE.contacts),
  appointments: staticLimits(FIELD_CATALOGUE.appointments),
};
function staticLimits(defs: readonly FieldDefinition[]): (readonly [string, number])[] {
  return defs.filter((d) => !d.dynamic && !d.multiValue).map((d) => [d.key, d.maxLength] as const);
}

let cachedToday = '';
let cachedTodayAt = 0;
/** Today (runtime zone), recomputed at most once a minute: validators call this per row. */
function defaultToday(): string {
  const now = Date.now();
  if (now - cachedTodayAt > 60_000) {
    const d = new Date(now);
    cachedToday = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    cachedTodayAt = now;
  }
  return cachedToday;
}

class Issues {
  readonly list: ValidationIssue[] = [];
  constructor(private readonly ctx: ValidationContext) {}

  add(field: string, code: ValidationCode, message: string, severity: 'error' | 'warning' = 'error', columnField = field): void {
    const column = this.ctx.columnOf?.(columnField);
    const line = this.ctx.line ?? 0;
    this.list.push(column !== undefined
      ? { line, field, column, code, message, severity }
      : { line, field, code, message, severity });
  }
}

function skip(ctx: ValidationContext, field: string): boolean {
  return ctx.skipFields !== undefined && ctx.skipFields.includes(field);
}

function checkEmail(out: Issues, field: string, value: string, columnField = field): void {
  if (value.length > ONCALL_LIMITS.maxEmailLength || !RE_EMAIL.test(value)) {
    out.add(field, 'invalid-email', `${field} is not a valid e-mail address`, 'error', columnField);
  }
}

function checkName(out: Issues, field: string, value: string, columnField = field): void {
  if (value.indexOf('@') !== -1 && RE_EMAIL_LIKE.test(value)) {
    out.add(field, 'email-in-name', `${field} contains an e-mail address, not a name`, 'error', columnField);
  }
}

function checkReference(out: Issues, field: string, value: string): void {
  if (!RE_REFERENCE.test(value)) out.add(field, 'invalid-reference', `${field} must be an OnCall URL or id`);
}

function checkLengths(out: Issues, record: ImportRecord, recordType: RecordType, ctx: ValidationContext): void {
  for (const [field, max] of LENGTH_CHECKS[recordType]) {
    const v = record[field];
    if (v !== undefined && v.length > max && !skip(ctx, field)) {
      // An appointment's EMR id is a metadata value: report it under the metadata rule.
      if (recordType === 'appointments' && field === 'emrId') {
        out.add(field, 'metadata-value-too-long', `${field} is longer than ${max} characters (metadata value limit)`);
      } else {
        out.add(field, 'too-long', `${field} is longer than ${max} characters`);
      }
    }
  }
}

function dynamicKeys(record: ImportRecord, ctx: ValidationContext, prefix: string): readonly string[] {
  if (ctx.dynamicFields) return ctx.dynamicFields;
  const out: string[] = [];
  for (const k in record) if (k.startsWith(prefix)) out.push(k);
  return out;
}

function validateContact(record: ImportRecord, ctx: ValidationContext, out: Issues): void {
  const emrId = record.emrId ?? '';
  const first = record.firstName ?? '';
  const last = record.lastName ?? '';
  const full = record.fullName ?? '';
  if (emrId === '' && !skip(ctx, 'emrId')) {
    out.add('emrId', 'emr-id-missing', 'emrId is empty: the row is keyed by its content and cannot be matched on a later import', 'warning');
  }
  if (full === '' && first === '' && last === '' && !skip(ctx, 'fullName')) {
    out.add('fullName', 'required', 'a name is required (fullName, or firstName / lastName)');
  }
  if (first !== '') checkName(out, 'firstName', first);
  if (last !== '') checkName(out, 'lastName', last);
  // A fullName derived from first + last would repeat their issues: judge it only when it differs.
  if (full !== '' && full !== (first === '' ? last : last === '' ? first : `${first} ${last}`)) {
    checkName(out, 'fullName', full);
  }

  const email = record.email ?? '';
  if (email !== '' && !skip(ctx, 'email')) checkEmail(out, 'email', email);

  const phone = record.phone ?? '';
  if (phone !== '' && !skip(ctx, 'phone')) {
    const digits = countDigits(phone);
    if (!RE_PHONE_CHARS.test(phone) || digits < 7 || digits > 15) {
      out.add('phone', 'invalid-phone', 'phone is not a phone number (7 to 15 digits)');
    }
  }

  const birthDate = record.birthDate ?? '';
  if (birthDate !== '' && !skip(ctx, 'birthDate')) {
    const r = checkIsoDate(birthDate);
    if (r === 'invalid-date') {
      out.add('birthDate', 'invalid-date', 'birthDate is not a date in the format YYYY-MM-DD (add a date transform for other formats)');
    } else if (r === 'impossible-date') {
      out.add('birthDate', 'impossible-date', 'birthDate is not a real calendar date');
    } else if (birthDate > (ctx.today ?? defaultToday())) {
      out.add('birthDate', 'birth-date-in-future', 'birthDate is in the future');
    }
  }

  const sex = record.sex ?? '';
  if (sex !== '' && !SEX_SET.has(sex) && !skip(ctx, 'sex')) {
    out.add('sex', 'unknown-sex', 'sex must be one of male, female, other, unknown (add a value map for other codes)');
  }
  const division = record.division ?? '';
  if (division !== '') checkReference(out, 'division', division);
  const provider = record.provider ?? '';
  if (provider !== '') checkReference(out, 'provider', provider);

  for (const key of dynamicKeys(record, ctx, 'customFields.')) {
    if (!key.startsWith('customFields.')) continue;
    const v = record[key] ?? '';
    if (v.length > ONCALL_LIMITS.maxCustomFieldLength) {
      out.add(key, 'too-long', `${key} is longer than ${ONCALL_LIMITS.maxCustomFieldLength} characters`);
    }
  }
}

function validateAppointment(record: ImportRecord, ctx: ValidationContext, out: Issues): void {
  const opts = ctx.options ?? {};
  const emrId = record.emrId ?? '';
  if (emrId === '' && !skip(ctx, 'emrId')) {
    out.add('emrId', 'emr-id-missing', 'emrId is empty: the row is keyed by its content and cannot be matched on a later import', 'warning');
  }
  if ((record.title ?? '') === '' && !skip(ctx, 'title')) out.add('title', 'required', 'title is required');

  const type = record.type ?? '';
  if (type === '') {
    if (!skip(ctx, 'type')) out.add('type', 'required', 'type is required (online, inperson, phone or message)');
  } else if (!TYPE_SET.has(type) && !skip(ctx, 'type')) {
    out.add('type', 'unknown-appointment-type', 'type must be one of online, inperson, phone, message (add a value map for other words)');
  }

  const start = record.start ?? '';
  if (!skip(ctx, 'start')) {
    if (start === '') {
      if (type !== 'message') out.add('start', 'datetime-required', 'start is required unless type is message');
    } else {
      const r = checkIsoDateTime(start);
      if (r === 'invalid') out.add('start', 'invalid-datetime', 'start is not an ISO 8601 date-time with a time zone offset');
      else if (r === 'impossible') out.add('start', 'impossible-date', 'start is not a real calendar date or time');
    }
  }

  const duration = record.duration ?? '';
  if (!skip(ctx, 'duration')) {
    if (duration === '') {
      out.add('duration', 'required', 'duration is required');
    } else if (!RE_DURATION.test(duration) || +duration <= 0 || +duration > ONCALL_LIMITS.maxInt32) {
      out.add('duration', 'invalid-duration', 'duration must be a whole number of minutes greater than 0');
    }
  }

  const division = record.division ?? '';
  if (division === '') {
    if (!skip(ctx, 'division')) out.add('division', 'required', 'division is required');
  } else {
    checkReference(out, 'division', division);
  }
  const provider = record.provider ?? '';
  if (provider !== '') checkReference(out, 'provider', provider);

  // Participants: at least one, at most 25, each with a name or an e-mail.
  const participants = splitParticipants(record, opts.participantSeparator);
  const participantColumn = ctx.columnOf?.('participants.name') !== undefined ? 'participants.name' : 'participants.email';
  if (participants.length === 0) {
    out.add('participants', 'required', 'at least one participant (name or e-mail) is required', 'error', participantColumn);
  } else if (participants.length > ONCALL_LIMITS.maxParticipants) {
    out.add('participants', 'too-many-participants',
      `${participants.length} participants, more than the ${ONCALL_LIMITS.maxParticipants} OnCall allows`, 'error', participantColumn);
  }
  for (const p of participants) {
    if (p.name === '' && p.email === '') {
      out.add(`participants[${p.position}]`, 'participant-incomplete',
        `participant ${p.position} has neither a name nor an e-mail`, 'error', participantColumn);
    }
    if (p.name !== '') {
      const field = `participants.name[${p.position}]`;
      checkName(out, field, p.name, 'participants.name');
      if (p.name.length > ONCALL_LIMITS.maxFullNameLength) {
        out.add(field, 'too-long', `${field} is longer than ${ONCALL_LIMITS.maxFullNameLength} characters`, 'error', 'participants.name');
      }
    }
    if (p.email !== '') checkEmail(out, `participants.email[${p.position}]`, p.email, 'participants.email');
    if (p.fee !== '' && !RE_FEE.test(p.fee)) {
      out.add(`participants.fee[${p.position}]`, 'invalid-fee',
        `participants.fee[${p.position}] is not an amount (e.g. 75.00)`, 'error', 'participants.fee');
    }
  }

  // Metadata: the EMR id takes one of the 50 keys.
  const emrKey = opts.emrIdMetadataKey ?? DEFAULT_EMR_ID_METADATA_KEY;
  let keys = emrId !== '' ? 1 : 0;
  for (const field of dynamicKeys(record, ctx, 'metadata.')) {
    if (!field.startsWith('metadata.')) continue;
    const value = record[field] ?? '';
    if (value === '') continue;
    keys++;
    const key = field.slice('metadata.'.length);
    if (key.length > ONCALL_LIMITS.maxMetadataKeyLength) {
      out.add(field, 'metadata-key-too-long', `metadata key is longer than ${ONCALL_LIMITS.maxMetadataKeyLength} characters`);
    }
    if (value.length > ONCALL_LIMITS.maxMetadataValueLength) {
      out.add(field, 'metadata-value-too-long', `${field} is longer than ${ONCALL_LIMITS.maxMetadataValueLength} characters (metadata value limit)`);
    }
    // Reserved even when the row has no EMR id: a mapped value there would pass for one later.
    if (key === emrKey) {
      out.add(field, 'metadata-key-conflict', `metadata key "${emrKey}" is reserved for the EMR id`);
    }
  }
  if (keys > ONCALL_LIMITS.maxMetadataKeys) {
    out.add('metadata', 'metadata-too-many-keys',
      `metadata has ${keys} keys, more than the ${ONCALL_LIMITS.maxMetadataKeys} OnCall allows (the EMR id counts as one)`);
  }
  if (emrKey.length > ONCALL_LIMITS.maxMetadataKeyLength) {
    out.add('emrId', 'metadata-key-too-long', `metadata key is longer than ${ONCALL_LIMITS.maxMetadataKeyLength} characters`);
  }
}

/**
 * Checks one mapped record. Returns every problem found (errors and warnings), each naming the
 * field and the rule, never the value.
 */
export function validateRecord(record: ImportRecord, recordType: RecordType, ctx: ValidationContext = {}): ValidationIssue[] {
  const out = new Issues(ctx);
  if (recordType === 'contacts') validateContact(record, ctx, out);
  else validateAppointment(record, ctx, out);
  checkLengths(out, record, recordType, ctx);
  return out.list;
}
