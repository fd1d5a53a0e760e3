/**
 * One short line under each field on the matching screen, in front-desk words. The shared
 * catalogue's `help` is written for integrators (field keys, formats); this is for staff.
 */
import type { RecordType } from '../../domain/identifiers.js';

interface HintContext {
  emrIdFieldLabel?: string | undefined;
  emrIdMetadataKey?: string | undefined;
}

const CONTACT_HINTS: Record<string, string> = {
  firstName: 'Given name.',
  lastName: 'Family name.',
  fullName: 'When not matched, first and last name are put together.',
  email: 'OnCall uses it to invite the patient.',
  phone: 'Spaces and dashes are removed.',
  birthDate: 'Sent as YYYY-MM-DD.',
  sex: 'male, female, other or unknown.',
  notes: 'Free text shown on the roster.',
  division: 'Per-line clinic; the clinic chosen above fills the gaps.',
  provider: 'Per-line provider; the provider chosen above fills the gaps.',
};

const APPOINTMENT_HINTS: Record<string, string> = {
  title: 'Shown to the provider and the patient.',
  start: 'Date and time of the appointment.',
  duration: 'In minutes.',
  type: 'online, inperson, phone or message.',
  patientEmrId: 'Links the appointment to an imported patient.',
  'participants.name': 'Several people in one cell: separate them with ; or |.',
  'participants.firstName': 'Optional, lined up with the names.',
  'participants.lastName': 'Optional, lined up with the names.',
  'participants.email': 'Each participant needs a name or an e-mail.',
  'participants.fee': 'Amount charged, like 75.00.',
  division: 'Per-line clinic; the clinic chosen above fills the gaps.',
  provider: 'Per-line provider; the provider chosen above fills the gaps.',
};

export function fieldHint(recordType: RecordType, key: string, ctx: HintContext): string {
  if (key === 'emrId') {
    return recordType === 'contacts'
      ? `The patient number in your EMR. Saved in the OnCall roster field “${ctx.emrIdFieldLabel ?? 'EMR id'}” so the patient is found again next time.`
      : `The appointment number in your EMR. Saved with the appointment as “${ctx.emrIdMetadataKey ?? 'emr_id'}”.`;
  }
  if (key.startsWith('customFields.')) return 'Another roster field.';
  if (key.startsWith('metadata.')) return 'Kept with the appointment, visible through the OnCall API only.';
  return (recordType === 'contacts' ? CONTACT_HINTS : APPOINTMENT_HINTS)[key] ?? '';
}
