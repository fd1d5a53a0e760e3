/**
 * Every behaviour of the emulator that the OnCall Health documentation does not pin down lives
 * here as one named constant, so a real account that shows otherwise is fixed in one place.
 * Sources: /work/shared/reference/partner-apis.md ("Assumed" list) and the two seed guides
 * (oncall-bulk-import-guide.txt, oncall-patient-sync-guide.txt). Facts the docs DO state
 * (25 participants, metadata limits, field names) are in `limits.ts`, not here.
 */

/** Key accepted when neither the plugin option nor SANDBOX_ONCALL_API_KEY is set. Public on purpose: it guards fake data only. */
export const DEFAULT_API_KEY = 'oncall-sandbox-key';

/** Authorization schemes accepted (partner-apis.md: `Token <key>`; the emulator also takes `Bearer`). Compared case-insensitively, as Django REST framework does. */
export const AUTH_SCHEMES = ['token', 'bearer'] as const satisfies readonly string[];

/** `GET /contacts/?page_size=` default and ceiling (partner-apis.md "Assumed"); a larger value is clamped, as DRF does. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/**
 * Values accepted for a roster contact's `sex`. The seed responses show exactly these three
 * spellings (note the capitalised "Unknown"); anything else is a 400.
 */
export const CONTACT_SEX_CHOICES = ['male', 'female', 'Unknown'] as const satisfies readonly string[];
/** Stored when a contact is created without `sex` (the seed list example shows "Unknown" for a contact with no sex on file). */
export const DEFAULT_CONTACT_SEX = 'Unknown' satisfies (typeof CONTACT_SEX_CHOICES)[number];

/** Maximum characters per text field (Django CharField-style limits; docs give none). */
export const TEXT_LIMITS = {
  name: 255,
  first_name: 150,
  last_name: 150,
  email: 254,
  phone: 32,
  notes: 10_000,
  title: 255,
  /** A "short text" roster custom field value. */
  customFieldText: 255,
} as const satisfies Record<string, number>;

/**
 * `custom_field_names` lists only the fields that carry a value on this contact (both seed
 * responses show names exactly for the keys present in `custom_field_values`), not every
 * field of the division.
 */
export const CUSTOM_FIELD_NAMES_ONLY_WITH_VALUES = true;

/**
 * When only `name` is given, `first_name`/`last_name` are stored as this value (Django CharField
 * convention), not guessed by splitting; when only first/last are given, `name` is
 * "first last". Applies to contacts and participants.
 */
export const MISSING_NAME_PART = '';

/**
 * `provider` omitted on `POST /appointments/` means "the calling provider" (docs). An API key
 * here is not tied to a provider, so the emulator uses the division's first provider (lowest id).
 */
export const DEFAULT_PROVIDER_RULE = 'first-provider-of-division' as const;

/**
 * Participants are changed through `PATCH /participants/{id}/` only (the docs describe no
 * nested write); `participants` in an appointment PATCH is a 400 rather than silently ignored.
 */
export const APPOINTMENT_PATCH_ACCEPTS_PARTICIPANTS = false;

/**
 * `status` is read-only and derived when rendered: cancelled → "Cancelled"; end time in the
 * past → "Complete" (the value seen in the seed); otherwise "Upcoming". Message-type
 * appointments without a datetime stay "Upcoming" until cancelled.
 */
export const APPOINTMENT_STATUS = {
  upcoming: 'Upcoming',
  complete: 'Complete',
  cancelled: 'Cancelled',
} as const satisfies Record<string, string>;

/** Appointment `datetime` without an offset is read as UTC (Django with USE_TZ and UTC default zone). */
export const NAIVE_DATETIME_ZONE = 'UTC' as const;

/** Lists are ordered by id ascending (creation order); the docs do not state an ordering. */
export const LIST_ORDER = 'id-ascending' as const;

/** `GET /contacts/{id}/appointments/` matches appointments by participant e-mail, case-insensitive. */
export const CONTACT_APPOINTMENTS_MATCH = 'participant-email-case-insensitive' as const;

/** Webhook signing header and format (partner-apis.md "Assumed"): `sha256=<hex HMAC-SHA256 of the raw body>`. */
export const WEBHOOK_SIGNATURE_HEADER = 'x-oncall-signature';

/** Webhook retry policy: attempts in total (first try included), first backoff, growth factor, per-attempt timeout. */
export const WEBHOOK_RETRY = {
  maxAttempts: 5,
  initialDelayMs: 200,
  factor: 2,
  attemptTimeoutMs: 5_000,
} as const satisfies Record<string, number>;

/** Throttle body, DRF wording: `Request was throttled. Expected available in N seconds.` */
export const THROTTLE_MIN_RETRY_AFTER_SECONDS = 1;

/** How long a request picked for an injected timeout is held before its socket is destroyed. */
export const DEFAULT_TIMEOUT_HOLD_MS = 30_000;
