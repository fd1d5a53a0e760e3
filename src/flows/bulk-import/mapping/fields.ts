/**
 * The catalogue of fields a CSV column can be mapped to, per record type. The web UI renders
 * its mapping screen from it; validation reads the types, limits and required flags from it.
 *
 * Targets: OnCall roster contacts and appointments (shared reference "OnCall Health";
 * seeds/oncall-bulk-import-guide.txt). Isomorphic: no node: imports.
 */
import type { RecordType } from '../../../domain/identifiers.js';
import { ONCALL_LIMITS } from './oncall-limits.js';

export const FIELD_TYPES = [
  'id', 'text', 'name', 'email', 'phone', 'date', 'datetime', 'sex', 'integer', 'decimal',
  'appointment-type', 'reference',
] as const satisfies readonly string[];
export type FieldType = (typeof FIELD_TYPES)[number];

/** `yes`: error when empty. `recommended`: warning when empty. `conditional`: see `help`. */
export type FieldRequirement = 'yes' | 'recommended' | 'conditional' | 'no';

export interface FieldDefinition {
  /** Record key, e.g. `birthDate`, or a prefix ending in `.` for open-ended families. */
  readonly key: string;
  readonly label: string;
  readonly type: FieldType;
  readonly required: FieldRequirement;
  readonly maxLength: number;
  readonly help: string;
  /** One cell may hold several values separated by `;` or `|` (appointment participants). */
  readonly multiValue?: boolean;
  /** `key` is a prefix (`customFields.`, `metadata.`): the field is `<prefix><id>`. */
  readonly dynamic?: boolean;
}

export const SEX_VALUES = ['male', 'female', 'other', 'unknown'] as const satisfies readonly string[];
export type Sex = (typeof SEX_VALUES)[number];

export const APPOINTMENT_TYPES = ['online', 'inperson', 'phone', 'message'] as const satisfies readonly string[];
export type AppointmentType = (typeof APPOINTMENT_TYPES)[number];

const L = ONCALL_LIMITS;

const CONTACT_FIELDS = [
  { key: 'emrId', label: 'EMR id', type: 'id', required: 'recommended', maxLength: L.maxEmrIdLength,
    help: 'The patient id in the source EMR (MRN, chart number). Stored in an OnCall roster custom field so the contact can be matched later. Without it a row is keyed by a hash of its content.' },
  { key: 'firstName', label: 'First name', type: 'name', required: 'conditional', maxLength: L.maxNameLength,
    help: 'Given name. A contact needs a full name or a first/last name.' },
  { key: 'lastName', label: 'Last name', type: 'name', required: 'conditional', maxLength: L.maxNameLength,
    help: 'Family name. A contact needs a full name or a first/last name.' },
  { key: 'fullName', label: 'Full name', type: 'name', required: 'conditional', maxLength: L.maxFullNameLength,
    help: 'OnCall "name". When not mapped it is built from first + last name.' },
  { key: 'email', label: 'E-mail', type: 'email', required: 'no', maxLength: L.maxEmailLength,
    help: 'Used by OnCall to invite the patient.' },
  { key: 'phone', label: 'Phone', type: 'phone', required: 'no', maxLength: L.maxPhoneLength,
    help: 'Normalised to E.164 (+441234567890) when a default country is set on the phone transform.' },
  { key: 'birthDate', label: 'Date of birth', type: 'date', required: 'no', maxLength: 10,
    help: 'YYYY-MM-DD after transforms; use the date transform to read other formats.' },
  { key: 'sex', label: 'Sex', type: 'sex', required: 'no', maxLength: 7,
    help: 'male | female | other | unknown; use a value map for M/F/H codes.' },
  { key: 'notes', label: 'Notes', type: 'text', required: 'no', maxLength: L.maxNotesLength,
    help: 'Free-text notes on the roster contact.' },
  { key: 'division', label: 'Division', type: 'reference', required: 'no', maxLength: L.maxReferenceLength,
    help: 'OnCall division URL or id. Usually one constant for the whole file; a column overrides it per row.' },
  { key: 'provider', label: 'Provider', type: 'reference', required: 'no', maxLength: L.maxReferenceLength,
    help: 'OnCall provider URL or id. Usually one constant for the whole file; a column overrides it per row.' },
  { key: 'customFields.', label: 'Custom field', type: 'text', required: 'no', maxLength: L.maxCustomFieldLength,
    dynamic: true, help: 'customFields.<id>: another OnCall roster custom field, by its id.' },
] as const satisfies readonly FieldDefinition[];

const APPOINTMENT_FIELDS = [
  { key: 'emrId', label: 'EMR appointment id', type: 'id', required: 'recommended', maxLength: L.maxMetadataValueLength,
    help: 'The appointment id in the source EMR. Stored in the appointment metadata (one of its 50 keys).' },
  { key: 'title', label: 'Title', type: 'text', required: 'yes', maxLength: L.maxTitleLength,
    help: 'Appointment title shown to the provider and the patient.' },
  { key: 'start', label: 'Start', type: 'datetime', required: 'conditional', maxLength: 40,
    help: 'ISO 8601 date-time with offset. Map one column, or a date and a time column with the datetime transform. Not required for type "message".' },
  { key: 'duration', label: 'Duration (minutes)', type: 'integer', required: 'yes', maxLength: 10,
    help: 'Whole minutes, greater than 0.' },
  { key: 'type', label: 'Type', type: 'appointment-type', required: 'yes', maxLength: 8,
    help: 'online | inperson | phone | message.' },
  { key: 'division', label: 'Division', type: 'reference', required: 'yes', maxLength: L.maxReferenceLength,
    help: 'OnCall division URL or id; usually one constant for the whole file.' },
  { key: 'provider', label: 'Provider', type: 'reference', required: 'no', maxLength: L.maxReferenceLength,
    help: 'OnCall provider URL or id; defaults to the provider owning the API key.' },
  { key: 'patientEmrId', label: 'Patient EMR id', type: 'id', required: 'no', maxLength: L.maxEmrIdLength,
    help: 'EMR id of the patient the appointment is for (links it to an imported contact).' },
  { key: 'participants.name', label: 'Participant name', type: 'name', required: 'conditional', maxLength: L.maxFullNameLength,
    multiValue: true, help: 'Several participants in one cell are separated by ";" or "|" and aligned by position with the other participant columns.' },
  { key: 'participants.firstName', label: 'Participant first name', type: 'name', required: 'no', maxLength: L.maxNameLength,
    multiValue: true, help: 'Aligned by position with the other participant columns.' },
  { key: 'participants.lastName', label: 'Participant last name', type: 'name', required: 'no', maxLength: L.maxNameLength,
    multiValue: true, help: 'Aligned by position with the other participant columns.' },
  { key: 'participants.email', label: 'Participant e-mail', type: 'email', required: 'conditional', maxLength: L.maxEmailLength,
    multiValue: true, help: 'Each participant needs a name or an e-mail.' },
  { key: 'participants.fee', label: 'Participant fee', type: 'decimal', required: 'no', maxLength: 16,
    multiValue: true, help: 'Amount charged to the participant, e.g. 75.00.' },
  { key: 'metadata.', label: 'Metadata', type: 'text', required: 'no', maxLength: L.maxMetadataValueLength,
    dynamic: true, help: 'metadata.<key>: extra appointment metadata (at most 50 keys including the EMR id, key <= 100 chars, value <= 2000 chars).' },
] as const satisfies readonly FieldDefinition[];

export const FIELD_CATALOGUE = {
  contacts: CONTACT_FIELDS,
  appointments: APPOINTMENT_FIELDS,
} as const satisfies Record<RecordType, readonly FieldDefinition[]>;

export type ContactFieldKey =
  | Exclude<(typeof CONTACT_FIELDS)[number]['key'], 'customFields.'>
  | `customFields.${string}`;
export type AppointmentFieldKey =
  | Exclude<(typeof APPOINTMENT_FIELDS)[number]['key'], 'metadata.'>
  | `metadata.${string}`;

/** The definition for a concrete field key (dynamic families resolved by prefix), or undefined. */
export function fieldDefinition(recordType: RecordType, key: string): FieldDefinition | undefined {
  const list: readonly FieldDefinition[] = FIELD_CATALOGUE[recordType];
  for (const def of list) {
    if (def.dynamic ? key.startsWith(def.key) && key.length > def.key.length : def.key === key) return def;
  }
  return undefined;
}
