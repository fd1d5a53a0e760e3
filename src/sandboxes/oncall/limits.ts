/**
 * Limits the OnCall Health documentation states (partner-apis.md "Confirmed from public docs").
 * Assumed values live in `assumptions.ts`.
 */

/** `type` of an appointment. */
export const APPOINTMENT_TYPES = ['online', 'inperson', 'phone', 'message'] as const satisfies readonly string[];
export type AppointmentType = (typeof APPOINTMENT_TYPES)[number];

/** Type for which `datetime` may be omitted. */
export const UNSCHEDULED_APPOINTMENT_TYPE = 'message' satisfies AppointmentType;

/** An appointment has 1 to 25 participants. */
export const MAX_PARTICIPANTS = 25;

/** `metadata` is a flat object: at most 50 keys of at most 100 characters; string values at most 2000 characters. */
export const METADATA_LIMITS = {
  maxKeys: 50,
  maxKeyLength: 100,
  maxStringLength: 2000,
} as const satisfies Record<string, number>;

/** Integer metadata values and other integer fields are 32-bit signed. */
export const INT32_MIN = -2_147_483_648;
export const INT32_MAX = 2_147_483_647;
