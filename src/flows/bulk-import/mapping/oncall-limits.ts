/**
 * OnCall Health limits that bulk-import validation enforces before anything is sent.
 *
 * Confirmed (docs/shared reference "OnCall Health", appointment + metadata): participants <= 25,
 * metadata <= 50 keys, key <= 100 chars, string value <= 2000 chars, integers are 32-bit.
 * The per-field string lengths of roster contacts are NOT documented: the values marked
 * "assumed" are this project's contract until a real account shows otherwise; change them here.
 */
export const ONCALL_LIMITS = {
  maxParticipants: 25,
  maxMetadataKeys: 50,
  maxMetadataKeyLength: 100,
  maxMetadataValueLength: 2000,
  maxInt32: 2_147_483_647,
  /** assumed: OnCall stores names in Django CharFields; 150 is Django's name default. */
  maxNameLength: 150,
  /** assumed */
  maxFullNameLength: 255,
  /** RFC 5321 path limit. */
  maxEmailLength: 254,
  /** assumed: E.164 is 15 digits; leave room for formatting. */
  maxPhoneLength: 32,
  /** assumed */
  maxNotesLength: 5000,
  /** assumed: custom roster fields are "short text". */
  maxCustomFieldLength: 2000,
  /** assumed */
  maxTitleLength: 255,
  /** assumed: URLs of divisions/providers. */
  maxReferenceLength: 2000,
  /** An EMR id ends up as a metadata value or a custom-field value: both hold 2000 chars. */
  maxEmrIdLength: 2000,
} as const satisfies Record<string, number>;

/** Metadata key under which an appointment's EMR id is stored (counts toward the 50 keys). */
export const DEFAULT_EMR_ID_METADATA_KEY = 'emr_id';
