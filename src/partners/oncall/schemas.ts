import { z } from 'zod';

/**
 * Shapes of the OnCall Health REST API as this project understands them.
 *
 * Sources: /work/shared/seeds/oncall-patient-sync-guide.txt (contact, appointment and
 * participant examples), /work/shared/seeds/oncall-bulk-import-guide.txt (create bodies) and
 * the "OnCall Health" section of /work/shared/reference/partner-apis.md (field lists, limits,
 * pagination, error bodies; the "Assumed" list there is the contract where the docs are silent).
 *
 * Read shapes are loose: unknown keys pass through and most fields may be null or absent, so a
 * partner adding a field never breaks a sync. Write shapes are strict about what we send.
 */

/** Every object carries its own absolute URL (endpoint + primary key, trailing slash). */
const ObjectUrl = z.string().min(1);

/** @link partner-apis.md#oncall-health "Provider (read only)" */
export const ProviderSchema = z.looseObject({
  url: ObjectUrl,
  full_name: z.string().nullish(),
  email: z.string().nullish(),
  /** Divisions the provider belongs to; the docs do not say whether URLs or objects. */
  memberships: z.array(z.unknown()).nullish(),
});
export type Provider = z.infer<typeof ProviderSchema>;

/** @link partner-apis.md#oncall-health "GET /divisions/" (assumed) */
export const DivisionSchema = z.looseObject({
  url: ObjectUrl,
  name: z.string().nullish(),
});
export type Division = z.infer<typeof DivisionSchema>;

/** Roster custom field values are short text or checkbox (partner-apis.md "Custom roster fields"). */
export const CustomFieldValueSchema = z.union([z.string(), z.boolean()]);
export type CustomFieldValue = z.infer<typeof CustomFieldValueSchema>;

const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');

/**
 * Roster contact as returned by GET/POST/PATCH /contacts/.
 * @link oncall-patient-sync-guide.txt "Pushing new patient data ... outside the context of an appointment"
 */
export const ContactSchema = z.looseObject({
  /** Present on single-object responses, absent from the list example in the guide. */
  id: z.number().int().optional(),
  url: ObjectUrl,
  division: z.string().nullish(),
  provider: z.string().nullish(),
  name: z.string().nullish(),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  email: z.string().nullish(),
  phone: z.string().nullish(),
  notes: z.string().nullish(),
  /** The guide shows both "male" and "Unknown": compared case-insensitively. */
  sex: z.string().nullish(),
  date_of_birth: z.string().nullish(),
  appointments: z.string().nullish(),
  custom_field_names: z.record(z.string(), z.string()).nullish(),
  custom_field_values: z.record(z.string(), CustomFieldValueSchema.nullable()).nullish(),
});
export type Contact = z.infer<typeof ContactSchema>;

/**
 * POST /contacts/ body. provider and division are required by OnCall (sync guide, "four
 * parameters worth noting"). The guide names the custom-field parameter `custom_fields` in prose
 * but every example carries `custom_field_values` (id -> value): we send what the examples show.
 */
export const ContactCreateSchema = z.strictObject({
  division: ObjectUrl,
  provider: ObjectUrl,
  name: z.string().min(1),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  email: z.string().nullish(),
  phone: z.string().nullish(),
  notes: z.string().nullish(),
  sex: z.string().nullish(),
  date_of_birth: IsoDate.nullish(),
  custom_field_values: z.record(z.string(), CustomFieldValueSchema).optional(),
});
export type ContactCreate = z.infer<typeof ContactCreateSchema>;

/** PATCH /contacts/{id}/: only the keys that changed (partner-apis.md). */
export const ContactPatchSchema = ContactCreateSchema.partial();
export type ContactPatch = z.infer<typeof ContactPatchSchema>;

/** Appointment types (partner-apis.md "Appointment"). */
export const APPOINTMENT_TYPES = ['online', 'inperson', 'phone', 'message'] as const;
export const AppointmentTypeSchema = z.enum(APPOINTMENT_TYPES);
export type AppointmentType = z.infer<typeof AppointmentTypeSchema>;

/**
 * Appointment metadata: flat object, at most 50 keys of at most 100 characters; values are
 * strings up to 2000 characters, 32-bit integers, booleans or null (partner-apis.md "metadata").
 */
export const MetadataValueSchema = z.union([
  z.string().max(2000),
  z.number().int().min(-(2 ** 31)).max(2 ** 31 - 1),
  z.boolean(),
  z.null(),
]);
export const MetadataSchema = z
  .record(z.string().min(1).max(100), MetadataValueSchema)
  .refine((m) => Object.keys(m).length <= 50, 'at most 50 metadata keys');
export type Metadata = z.infer<typeof MetadataSchema>;

/**
 * Participant of one appointment.
 * @link oncall-patient-sync-guide.txt "Pushing patient record updates ... in the context of an appointment"
 */
export const ParticipantSchema = z.looseObject({
  url: ObjectUrl,
  appointment: z.string().nullish(),
  name: z.string().nullish(),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  email: z.string().nullish(),
  fee: z.number().nullish(),
  cancelled: z.boolean().nullish(),
  user_id: z.number().nullish(),
});
export type Participant = z.infer<typeof ParticipantSchema>;

/** One participant in POST /appointments/ (bulk import guide: name, email, fee). */
export const ParticipantCreateSchema = z.strictObject({
  name: z.string().min(1),
  email: z.string().nullish(),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  fee: z.number().min(0),
});
export type ParticipantCreate = z.infer<typeof ParticipantCreateSchema>;

/** PATCH /participants/{id}/: the six fields the sync guide lists as updatable. */
export const ParticipantPatchSchema = z
  .strictObject({
    name: z.string().min(1),
    email: z.string().nullable(),
    fee: z.number().min(0),
    cancelled: z.boolean(),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
  })
  .partial();
export type ParticipantPatch = z.infer<typeof ParticipantPatchSchema>;

/** @link oncall-patient-sync-guide.txt (appointment responses) */
export const AppointmentSchema = z.looseObject({
  url: ObjectUrl,
  title: z.string().nullish(),
  /** Null for `message` appointments, which have no time. */
  datetime: z.string().nullish(),
  duration: z.number().nullish(),
  /** Read as a string so an unknown new type does not break a listing. */
  type: z.string().nullish(),
  status: z.string().nullish(),
  cancelled: z.boolean().nullish(),
  division: z.string().nullish(),
  provider: z.string().nullish(),
  participants: z.array(ParticipantSchema).nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
});
export type Appointment = z.infer<typeof AppointmentSchema>;

/**
 * POST /appointments/ body: title, type, duration, division, participants required; datetime
 * required unless type is `message`; provider optional (defaults to the calling provider); at
 * most 25 participants (partner-apis.md "Appointment").
 */
export const AppointmentCreateSchema = z
  .strictObject({
    title: z.string().min(1),
    datetime: z.string().optional(),
    duration: z.number().int().positive(),
    type: AppointmentTypeSchema,
    division: ObjectUrl,
    provider: ObjectUrl.optional(),
    cancelled: z.boolean().optional(),
    participants: z.array(ParticipantCreateSchema).min(1).max(25),
    metadata: MetadataSchema.optional(),
  })
  .refine((a) => a.type === 'message' || a.datetime !== undefined, {
    message: 'datetime is required unless type is message',
    path: ['datetime'],
  });
export type AppointmentCreate = z.infer<typeof AppointmentCreateSchema>;

/**
 * PATCH /appointments/{id}/. Participants are changed through /participants/{id}/, never here
 * (the docs describe no way to add or remove them by PATCH).
 */
export const AppointmentPatchSchema = z
  .strictObject({
    title: z.string().min(1),
    datetime: z.string(),
    duration: z.number().int().positive(),
    type: AppointmentTypeSchema,
    division: ObjectUrl,
    provider: ObjectUrl,
    cancelled: z.boolean(),
    metadata: MetadataSchema,
  })
  .partial();
export type AppointmentPatch = z.infer<typeof AppointmentPatchSchema>;

/** Django-REST pagination: `next` is a full URL with `?page=N` (partner-apis.md). */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.looseObject({
    count: z.number().int().nonnegative(),
    next: z.string().nullish(),
    previous: z.string().nullish(),
    results: z.array(item),
  });
}
export type Page<T> = { count: number; next?: string | null; previous?: string | null; results: T[] };

/** 401/403/404 bodies: `{"detail": "..."}` (assumed, Django-REST default). */
export const DetailErrorSchema = z.looseObject({ detail: z.string() });
export type DetailError = z.infer<typeof DetailErrorSchema>;

/**
 * 400 bodies: `{"field": ["message", ...]}`; nested serializers (participants) nest the same
 * shape inside arrays or objects, and `non_field_errors` carries object-level messages.
 */
export type FieldErrorTree = string | FieldErrorTree[] | { [key: string]: FieldErrorTree };
export const FieldErrorTreeSchema: z.ZodType<FieldErrorTree> = z.lazy(() =>
  z.union([z.string(), z.array(FieldErrorTreeSchema), z.record(z.string(), FieldErrorTreeSchema)]),
);
export const FieldErrorsBodySchema = z.record(z.string(), FieldErrorTreeSchema);
export type FieldErrorsBody = z.infer<typeof FieldErrorsBodySchema>;
