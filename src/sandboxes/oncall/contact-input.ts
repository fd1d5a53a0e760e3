import { CONTACT_SEX_CHOICES, DEFAULT_CONTACT_SEX, MISSING_NAME_PART, TEXT_LIMITS } from './assumptions.js';
import { ErrorBag, MSG, type FieldErrors } from './drf-errors.js';
import {
  checkChoice,
  checkDate,
  checkEmail,
  checkRelation,
  checkNameFields,
  checkText,
  has,
  isInvalid,
  isPlainObject,
} from './field-checks.js';
import type { Contact, ContactFields, CustomValues, OncallStore } from './store.js';

/**
 * Roster contact bodies for `POST /contacts/` and `PATCH /contacts/{id}/`
 * (oncall-patient-sync-guide.txt, "Pushing new patient data ... outside the context of an
 * appointment"). division and provider are required on create and the provider must be a member
 * of the division; a name is required (`name`, or `first_name` and `last_name`); custom values
 * are checked against the division's active fields. Unknown and read-only keys are ignored, as
 * DRF serializers do.
 */

export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

const NAME_RULE = 'Provide name, or both first_name and last_name.';
const NOT_MEMBER = 'This provider is not a member of the division.';
const NO_SUCH_FIELD = 'No active custom field with this id in the contact\'s division.';
const CHECKBOX = 'Checkbox custom fields take true or false.';
const TEXT_VALUE = 'Text custom fields take a string.';

export function invalidBodyErrors(): FieldErrors {
  return { non_field_errors: [MSG.invalidBody] };
}

/** `custom_field_values` (response name) or `custom_fields` (the guide's parameter name). */
function customInput(body: Record<string, unknown>): unknown[] {
  const inputs: unknown[] = [];
  if (has(body, 'custom_fields')) inputs.push(body.custom_fields);
  if (has(body, 'custom_field_values')) inputs.push(body.custom_field_values);
  return inputs;
}

function checkCustomValues(inputs: unknown[], divisionId: number, store: OncallStore, bag: ErrorBag): CustomValues {
  const values = Object.create(null) as CustomValues;
  const perKey: FieldErrors = {};
  let keyErrors = false;
  for (const input of inputs) {
    if (input === null) {
      bag.add('custom_field_values', MSG.null);
      continue;
    }
    if (!isPlainObject(input)) {
      bag.add('custom_field_values', MSG.notADict);
      continue;
    }
    for (const key of Object.keys(input)) {
      const raw = input[key];
      const field = store.activeFieldOf(divisionId, key);
      let message: string | undefined;
      if (!field) message = NO_SUCH_FIELD;
      else if (field.kind === 'checkbox') {
        if (typeof raw === 'boolean') values[key] = raw;
        else message = CHECKBOX;
      } else if (typeof raw !== 'string') {
        message = raw === null ? MSG.null : TEXT_VALUE;
      } else {
        const text = raw.trim();
        if (text.length > TEXT_LIMITS.customFieldText) message = MSG.maxLength(TEXT_LIMITS.customFieldText);
        else values[key] = text;
      }
      if (message !== undefined) {
        perKey[key] = [message];
        keyErrors = true;
      }
    }
  }
  if (keyErrors) bag.set('custom_field_values', perKey);
  return values;
}

/** Text-like optional fields shared by create and patch. */
function checkPersonFields(body: Record<string, unknown>, bag: ErrorBag, out: Partial<ContactFields>, nameMayBeBlank: boolean): void {
  checkNameFields(body, bag, out, nameMayBeBlank);
  if (has(body, 'email')) {
    const v = checkEmail(body.email, { max: TEXT_LIMITS.email, allowBlank: true, allowNull: true });
    if (isInvalid(v)) bag.add('email', v.message);
    else out.email = v;
  }
  for (const key of ['phone', 'notes'] as const) {
    if (!has(body, key)) continue;
    const v = checkText(body[key], { max: TEXT_LIMITS[key], allowBlank: true, allowNull: true });
    if (isInvalid(v)) bag.add(key, v.message);
    else out[key] = v;
  }
  if (has(body, 'sex')) {
    const v = checkChoice(body.sex, CONTACT_SEX_CHOICES);
    if (isInvalid(v)) bag.add('sex', v.message);
    else out.sex = v;
  }
  if (has(body, 'date_of_birth')) {
    const v = checkDate(body.date_of_birth, true);
    if (isInvalid(v)) bag.add('date_of_birth', v.message);
    else out.dateOfBirth = v;
  }
}

function checkDivisionProvider(
  body: Record<string, unknown>,
  store: OncallStore,
  bag: ErrorBag,
  current: { divisionId: number; providerId: number } | undefined,
): { divisionId: number | undefined; providerId: number | undefined } {
  let divisionId = current?.divisionId;
  let providerId = current?.providerId;
  let divisionOk = true;
  let providerOk = true;
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
  if (has(body, 'provider')) {
    const v = checkRelation(body.provider, 'providers', (id) => store.providers.has(id));
    if (isInvalid(v)) {
      bag.add('provider', v.message);
      providerOk = false;
    } else providerId = v;
  } else if (!current) {
    bag.add('provider', MSG.required);
    providerOk = false;
  }
  if (divisionOk && providerOk && divisionId !== undefined && providerId !== undefined && !store.isMember(providerId, divisionId)) {
    bag.add('provider', NOT_MEMBER);
  }
  return { divisionId, providerId };
}

export function parseContactCreate(body: unknown, store: OncallStore): Parsed<ContactFields> {
  if (!isPlainObject(body)) return { ok: false, errors: invalidBodyErrors() };
  const bag = new ErrorBag();
  const { divisionId, providerId } = checkDivisionProvider(body, store, bag, undefined);
  const fields: Partial<ContactFields> = {};
  checkPersonFields(body, bag, fields, true);
  const first = fields.firstName ?? MISSING_NAME_PART;
  const last = fields.lastName ?? MISSING_NAME_PART;
  let name = fields.name ?? '';
  if (name === '' && first !== '' && last !== '') name = `${first} ${last}`;
  if (name === '' && bag.errors.name === undefined) bag.add('name', NAME_RULE);
  const inputs = customInput(body);
  const customValues =
    divisionId !== undefined && inputs.length > 0
      ? checkCustomValues(inputs, divisionId, store, bag)
      : (Object.create(null) as CustomValues);
  if (!bag.ok || divisionId === undefined || providerId === undefined) return { ok: false, errors: bag.errors };
  return {
    ok: true,
    value: {
      divisionId,
      providerId,
      name,
      firstName: first,
      lastName: last,
      email: fields.email ?? null,
      phone: fields.phone ?? null,
      notes: fields.notes ?? null,
      sex: fields.sex ?? DEFAULT_CONTACT_SEX,
      dateOfBirth: fields.dateOfBirth ?? null,
      customValues,
    },
  };
}

/** Only the keys present change; custom values merge into the existing ones. */
export function parseContactPatch(body: unknown, contact: Contact, store: OncallStore): Parsed<Partial<ContactFields>> {
  if (!isPlainObject(body)) return { ok: false, errors: invalidBodyErrors() };
  const bag = new ErrorBag();
  const changes: Partial<ContactFields> = {};
  const { divisionId, providerId } = checkDivisionProvider(body, store, bag, contact);
  if (divisionId !== contact.divisionId) changes.divisionId = divisionId;
  if (providerId !== contact.providerId) changes.providerId = providerId;
  checkPersonFields(body, bag, changes, false);
  const inputs = customInput(body);
  if (inputs.length > 0 && divisionId !== undefined) {
    changes.customValues = checkCustomValues(inputs, divisionId, store, bag);
  }
  return bag.ok ? { ok: true, value: changes } : { ok: false, errors: bag.errors };
}
