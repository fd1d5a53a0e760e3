/**
 * Public API of the OnCall Health partner module: client, configuration, schemas, FHIR mapping
 * and lookups by EMR id. Internals (send-once.ts, classify.ts) are not re-exported.
 */
export { OncallClient } from './client.js';
export type { AppointmentListOptions, ContactFilters, OncallClientOptions, OncallClientStats } from './client.js';
export { ONCALL_ASSUMPTIONS, ONCALL_CLIENT_DEFAULTS, ONCALL_MAX_PAGE_SIZE, ONCALL_REGION_BASE_URLS, oncallBaseUrl } from './config.js';
export type { OncallRegion } from './config.js';
export * from './schemas.js';
export {
  APPOINTMENT_TYPE_BY_CODE,
  ONCALL_APPOINTMENT_TYPE_SYSTEM,
  OncallMappingError,
  appointmentPatchFor,
  appointmentToOncall,
  appointmentTypeOf,
  contactPatchFor,
  contactToPatient,
  oncallToAppointment,
  patientToContactCreate,
} from './mapping.js';
export type { AppointmentChanges, AppointmentMappingContext, ContactMappingContext } from './mapping.js';
export {
  ensureAppointment,
  ensureContact,
  findAppointmentByEmrId,
  findContactByEmrId,
  scanAppointmentsByEmrId,
  scanContactsByEmrId,
} from './lookup.js';
export type { ContactHints, EnsureOptions, Ensured } from './lookup.js';
