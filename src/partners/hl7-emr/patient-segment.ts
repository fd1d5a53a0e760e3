import type { ContactPoint, Identifier, Patient } from '@medplum/fhirtypes';
import { IDENTIFIER_SYSTEMS } from '../../domain/identifiers.js';
import { pidSegment, type BuildContext } from '../../hl7/segments.js';
import { identifierValues } from './record-keys.js';

/**
 * PID for the EMR (HL7 v2.5.1 ch. 3.4.2), from a canonical FHIR Patient:
 * - PID-3: the patient's key in the EMR (type MR, authority the EMR's application), then each
 *   OnCall URL the record carries (type PI, authority ONCALL): the seed's advice to store the
 *   platform's ids in the EMR, and what lets a person find the record again;
 * - PID-5 names, PID-7 birth date, PID-8 sex: the shared ORU/MDM writer (src/hl7/segments.ts);
 * - PID-13 home phones, mobiles and e-mails (`^NET^Internet^address`), PID-14 work phones.
 * Every leaf value is escaped (a name may hold `|^~\&`).
 */
const typed = (system: string, value: string, type: string): Identifier => ({ system, value, type: { coding: [{ code: type }] } });

export function patientIdentifiers(patient: Patient, key: string): Identifier[] {
  return [
    typed(IDENTIFIER_SYSTEMS.emr, key, 'MR'),
    ...identifierValues(patient.identifier, IDENTIFIER_SYSTEMS.oncallUrl).map((url) => typed(IDENTIFIER_SYSTEMS.oncallUrl, url, 'PI')),
  ];
}

export function emrPidSegment(ctx: BuildContext, patient: Patient, key: string, setId = 1): string {
  const { w } = ctx;
  // The shared PID writer fills PID-1..8 and always writes PID-8 (U when unknown), so the
  // telecom fields can follow it; its PID-1 is 1, renumbered for the second patient of an SIU.
  const head = pidSegment(ctx, { resourceType: 'Patient', name: patient.name, birthDate: patient.birthDate, gender: patient.gender, identifier: patientIdentifiers(patient, key) });
  const numbered = setId === 1 ? head : head.replace(`PID${w.d.field}1${w.d.field}`, `PID${w.d.field}${setId}${w.d.field}`);
  const telecom = (patient.telecom ?? []).filter((t) => t.value?.trim());
  const home = telecom.filter((t) => t.system === 'email' || (isPhone(t) && t.use !== 'work')).map((t) => xtn(ctx, t));
  const work = telecom.filter((t) => isPhone(t) && t.use === 'work').map((t) => xtn(ctx, t));
  const tail = ['', '', '', '', w.rep(home), w.rep(work)]; // PID-9..14
  while (tail.length > 0 && !tail[tail.length - 1]) tail.pop();
  return tail.length === 0 ? numbered : numbered + w.d.field + tail.join(w.d.field);
}

const isPhone = (t: ContactPoint): boolean => t.system === 'phone' || t.system === 'sms' || t.system === undefined;

/**
 * XTN (2.A.89): an e-mail is XTN.4 with use NET and equipment Internet; a phone is written in
 * XTN.1 (older readers) and XTN.12 (unformatted number), use PRN/WPN (table 0201), equipment
 * PH, or CP for a mobile (table 0202).
 */
function xtn(ctx: BuildContext, t: ContactPoint): string {
  const { w } = ctx;
  const value = w.esc(t.value?.trim());
  if (t.system === 'email') return w.comp('', 'NET', 'Internet', value);
  const mobile = t.use === 'mobile' || t.system === 'sms';
  // Table 0201 has no "mobile" use: a mobile says it through its equipment (CP) and no use code.
  const use = t.use === 'work' ? 'WPN' : mobile ? '' : 'PRN';
  const equipment = mobile ? 'CP' : 'PH';
  return w.comp(value, use, equipment, '', '', '', '', '', '', '', '', value);
}
