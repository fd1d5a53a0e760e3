import { APPOINTMENT_PATCH_ACCEPTS_PARTICIPANTS, MISSING_NAME_PART, TEXT_LIMITS } from './assumptions.js';
import { invalidBodyErrors, type Parsed } from './contact-input.js';
import { ErrorBag, MSG, type FieldErrors } from './drf-errors.js';
import {
  checkAmount,
  checkBoolean,
  checkChoice,
  checkDatetime,
  checkEmail,
  checkInteger,
  checkRelation,
  checkNameFields,
  checkText,
  has,
  isInvalid,
  isPlainObject,
} from './field-checks.js';
import {
  APPOINTMENT_TYPES,
  INT32_MAX,
  INT32_MIN,
  MAX_PARTICIPANTS,
  METADATA_LIMITS,
  UNSCHEDULED_APPOINTMENT_TYPE,
  type AppointmentType,
} from './limits.js';
import type { Appointment, AppointmentFields, Metadata, OncallStore, Participant, ParticipantFields } from './store.js';

/**
 * Appointment and participant bodies (partner-apis.md, OnCall "Appointment", "metadata",
 * "Participant"; oncall-bulk-import-guide.txt lists the required create fields).
 */

const NOT_MEMBER = 'This provider is not a member of the division.';
const NO_DEFAULT_PROVIDER = 'This division has no provider; give one explicitly.';
const NAME_RULE = 'Provide name, or both first_name and last_name.';
const PARTICIPANTS_READ_ONLY = 'Participants are changed through their own URL (PATCH /participants/{id}/).';
const META_TOO_MANY = `Ensure this field has no more than ${METADATA_LIMITS.maxKeys} keys.`;
const META_KEY = `Metadata keys must be 1 to ${METADATA_LIMITS.maxKeyLength} characters.`;
const META_VALUE = `Metadata values must be a string of at most ${METADATA_LIMITS.maxStringLength} characters, a 32-bit integer, a boolean or null.`;

/** Flat object, limited keys and values; null clears. Stored as a null-prototype copy. */
export function checkMetadata(value: unknown): Metadata | null | string {
  if (value === null) return null;
  if (!isPlainObject(value)) return MSG.notADict;
  const keys = Object.keys(value);
  if (keys.length > METADATA_LIMITS.maxKeys) return META_TOO_MANY;
  const copy = Object.create(null) as Metadata;
  for (const key of keys) {
    if (key.length === 0 || key.length > METADATA_LIMITS.maxKeyLength) return META_KEY;
    const v = value[key];
    const fine =
      v === null ||
      typeof v === 'boolean' ||
      (typeof v === 'string' && v.length <= METADATA_LIMITS.maxStringLength) ||
      (typeof v === 'number' && Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX);
    if (!fine) return META_VALUE;
    copy[key] = v as Metadata[string];
  }
  return copy;
}

type ParticipantDraft = Partial<ParticipantFields>;

/** Participant fields; `create` demands name (or first+last), email and fee. */
function checkParticipant(body: unknown, create: boolean): { value: ParticipantDraft; errors: FieldErrors | undefined } {
  if (!isPlainObject(body)) return { value: {}, errors: invalidBodyErrors() };
  const bag = new ErrorBag();
  const out: ParticipantDraft = {};
  checkNameFields(body, bag, out, create);
  if (has(body, 'email')) {
    const v = checkEmail(body.email, { max: TEXT_LIMITS.email });
    if (isInvalid(v)) bag.add('email', v.message);
    else if (v !== null) out.email = v;
  } else if (create) bag.add('email', MSG.required);
  if (has(body, 'fee')) {
    const v = checkAmount(body.fee);
    if (isInvalid(v)) bag.add('fee', v.message);
    else out.fee = v;
  } else if (create) bag.add('fee', MSG.required);
  if (has(body, 'cancelled')) {
    const v = checkBoolean(body.cancelled);
    if (isInvalid(v)) bag.add('cancelled', v.message);
    else out.cancelled = v;
  }
  if (create && bag.errors.name === undefined) {
    const first = out.firstName ?? MISSING_NAME_PART;
    const last = out.lastName ?? MISSING_NAME_PART;
    if (!out.name && first !== '' && last !== '') out.name = `${first} ${last}`;
    if (!out.name) bag.add('name', NAME_RULE);
    out.firstName = first;
    out.lastName = last;
    out.cancelled ??= false;
  }
  return { value: out, errors: bag.ok ? undefined : bag.errors };
}

function checkParticipantList(value: unknown, bag: ErrorBag): ParticipantFields[] {
  if (value === null) {
    bag.add('participants', MSG.null);
    return [];
  }
  if (!Array.isArray(value)) {
    bag.add('participants', MSG.notAList);
    return [];
  }
  if (value.length === 0) {
    bag.add('participants', MSG.emptyList);
    return [];
  }
  if (value.length > MAX_PARTICIPANTS) {
    bag.add('participants', MSG.maxItems(MAX_PARTICIPANTS));
    return [];
  }
  const drafts: ParticipantFields[] = [];
  const errors: FieldErrors[] = [];
  let failed = false;
  for (const item of value) {
    const { value: draft, errors: itemErrors } = checkParticipant(item, true);
    errors.push(itemErrors ?? {});
    if (itemErrors) failed = true;
    else drafts.push(draft as ParticipantFields);
  }
  if (failed) bag.set('participants', errors);
  return drafts;
}

/** Division/provider pair: provider defaults to the division's first provider on create. */
function checkDivisionProvider(
  body: Record<string, unknown>,
  store: OncallStore,
  bag: ErrorBag,
  current: Appointment | undefined,
): { divisionId: number | undefined; providerId: number | undefined } {
  let divisionId = current?.divisionId;
  let providerId = current?.providerId;
  let divisionOk = true;
  if (has(body, 'division')) {
    const v = checkRelation(body.division, 'divisions', (id) => store.divisions.has(id));
    if (isInvalid(v)) {
      bag.add('division', v.message);
      divisionOk = false;
    } else divisionId = v;
  } else if (!current) {
    bag.add('division', MSG.required);
    divisionOk = false;
  }
  let providerGiven = false;
  if (has(body, 'provider') && body.provider !== null) {
    providerGiven = true;
    const v = checkRelation(body.provider, 'providers', (id) => store.providers.has(id));
    if (isInvalid(v)) {
      bag.add('provider', v.message);
      return { divisionId, providerId: undefined };
    }
    providerId = v;
  }
  if (!divisionOk || divisionId === undefined) return { divisionId, providerId };
  if (!providerGiven && !current) {
    providerId = store.firstProviderOf(divisionId)?.id;
    if (providerId === undefined) bag.add('provider', NO_DEFAULT_PROVIDER);
  } else if (providerId !== undefined && !store.isMember(providerId, divisionId)) {
    bag.add('provider', NOT_MEMBER);
  }
  return { divisionId, providerId };
}

/** Fields common to create and patch; `out` receives the valid ones. */
function checkScalars(body: Record<string, unknown>, bag: ErrorBag, out: Partial<AppointmentFields>, create: boolean): void {
  if (has(body, 'title')) {
    const v = checkText(body.title, { max: TEXT_LIMITS.title });
    if (isInvalid(v)) bag.add('title', v.message);
    else if (v !== null) out.title = v;
  } else if (create) bag.add('title', MSG.required);
  if (has(body, 'type')) {
    const v = checkChoice(body.type, APPOINTMENT_TYPES);
    if (isInvalid(v)) bag.add('type', v.message);
    else out.type = v;
  } else if (create) bag.add('type', MSG.required);
  if (has(body, 'duration')) {
    const v = checkInteger(body.duration, 1);
    if (isInvalid(v)) bag.add('duration', v.message);
    else out.duration = v;
  } else if (create) bag.add('duration', MSG.required);
  if (has(body, 'datetime') && body.datetime !== null) {
    const v = checkDatetime(body.datetime);
    if (isInvalid(v)) bag.add('datetime', v.message);
    else out.datetime = v;
  } else if (has(body, 'datetime')) out.datetime = null;
  if (has(body, 'cancelled')) {
    const v = checkBoolean(body.cancelled);
    if (isInvalid(v)) bag.add('cancelled', v.message);
    else out.cancelled = v;
  }
  if (has(body, 'metadata')) {
    const v = checkMetadata(body.metadata);
    if (typeof v === 'string') bag.add('metadata', v);
    else out.metadata = v;
  }
}

/** `datetime` may be missing or null only for message appointments. */
function checkSchedule(type: AppointmentType | undefined, datetime: number | null | undefined, bag: ErrorBag): void {
  if (type === undefined || type === UNSCHEDULED_APPOINTMENT_TYPE || bag.errors.datetime) return;
  if (datetime === undefined) bag.add('datetime', MSG.required);
  else if (datetime === null) bag.add('datetime', MSG.null);
}

export interface AppointmentCreate {
  fields: AppointmentFields;
  participants: ParticipantFields[];
}

export function parseAppointmentCreate(body: unknown, store: OncallStore): Parsed<AppointmentCreate> {
  if (!isPlainObject(body)) return { ok: false, errors: invalidBodyErrors() };
  const bag = new ErrorBag();
  const out: Partial<AppointmentFields> = {};
  checkScalars(body, bag, out, true);
  checkSchedule(out.type, out.datetime, bag);
  const { divisionId, providerId } = checkDivisionProvider(body, store, bag, undefined);
  const participants = has(body, 'participants') ? checkParticipantList(body.participants, bag) : [];
  if (!has(body, 'participants')) bag.add('participants', MSG.required);
  if (!bag.ok || divisionId === undefined || providerId === undefined) return { ok: false, errors: bag.errors };
  return {
    ok: true,
    value: {
      fields: {
        title: out.title as string,
        datetime: out.datetime ?? null,
        duration: out.duration as number,
        type: out.type as AppointmentType,
        cancelled: out.cancelled ?? false,
        divisionId,
        providerId,
        metadata: out.metadata ?? null,
      },
      participants,
    },
  };
}

export function parseAppointmentPatch(body: unknown, appointment: Appointment, store: OncallStore): Parsed<Partial<AppointmentFields>> {
  if (!isPlainObject(body)) return { ok: false, errors: invalidBodyErrors() };
  const bag = new ErrorBag();
  const changes: Partial<AppointmentFields> = {};
  checkScalars(body, bag, changes, false);
  if (has(body, 'participants') && !APPOINTMENT_PATCH_ACCEPTS_PARTICIPANTS) bag.add('participants', PARTICIPANTS_READ_ONLY);
  const type = changes.type ?? appointment.type;
  const datetime = changes.datetime !== undefined ? changes.datetime : appointment.datetime;
  checkSchedule(type, datetime, bag);
  const { divisionId, providerId } = checkDivisionProvider(body, store, bag, appointment);
  if (divisionId !== appointment.divisionId) changes.divisionId = divisionId;
  if (providerId !== appointment.providerId) changes.providerId = providerId;
  return bag.ok ? { ok: true, value: changes } : { ok: false, errors: bag.errors };
}

/** `PATCH /participants/{id}/`: name, email, fee, cancelled, first_name, last_name. */
export function parseParticipantPatch(body: unknown, _participant: Participant): Parsed<Partial<ParticipantFields>> {
  const { value, errors } = checkParticipant(body, false);
  return errors ? { ok: false, errors } : { ok: true, value };
}
