import type { Appointment, Bundle, Identifier, Patient, Resource } from '@medplum/fhirtypes';
import { IDENTIFIER_SYSTEMS } from '../../domain/identifiers.js';
import type { AppointmentChange, CanonicalEvent } from '../hl7v2/types.js';
import { participantPatientIds } from './to-message.js';

/**
 * A stored FHIR feed message (channel `fhir`, see to-message.ts) as canonical events, the same
 * vocabulary the HL7 v2 channel produces (src/channels/hl7v2/types.ts). Pure: no call, no
 * database. The EMR id is the resource's logical id on the feed's server, added as an
 * identifier under IDENTIFIER_SYSTEMS.emr so the target finds it as it finds an HL7 PID-3.
 *
 * Errors name the rule broken, never content (it is patient data).
 */
export class FhirFeedMessageError extends Error {
  override name = 'FhirFeedMessageError';
}

function withEmrId<T extends Patient | Appointment>(resource: T, id: string): T {
  const others = (resource.identifier ?? []).filter((i: Identifier) => i.system !== IDENTIFIER_SYSTEMS.emr);
  return { ...resource, identifier: [{ system: IDENTIFIER_SYSTEMS.emr, value: id }, ...others] };
}

/**
 * What became of an appointment (https://hl7.org/fhir/R4/valueset-appointmentstatus.html):
 * cancelled and entered-in-error cancel it (an appointment made in error never took place),
 * noshow marks it; every other status is new on the first version, else a modification.
 */
export function appointmentChange(status: Appointment['status'] | undefined, event: string): AppointmentChange {
  if (event === 'delete') return 'delete';
  if (status === 'cancelled' || status === 'entered-in-error') return 'cancel';
  if (status === 'noshow') return 'noshow';
  return event === 'create' ? 'new' : 'modify';
}

function parse(raw: Buffer): Resource {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new FhirFeedMessageError('the stored FHIR message is not JSON');
  }
  if (!value || typeof value !== 'object' || typeof (value as Resource).resourceType !== 'string') {
    throw new FhirFeedMessageError('the stored FHIR message is not a FHIR resource');
  }
  return value as Resource;
}

/**
 * `event` is the stored message's event: `create`, `update` or `delete`. A Patient delete gives
 * no event (nothing to do in the target: the EMR no longer has the record, the target keeps
 * its history). An Appointment message is a Bundle (collection): the Appointment, then the
 * Patients it references; `emrPatientIds` and `patients` list, in participant order, those
 * whose Patient the Bundle carries.
 */
export function fhirMessageToEvents(raw: Buffer, event: string): CanonicalEvent[] {
  const r = parse(raw);
  if (r.resourceType === 'Patient') {
    if (event === 'delete') return [];
    if (!r.id) throw new FhirFeedMessageError('the Patient has no id');
    return [{ type: 'patient-upsert', emrPatientId: r.id, patient: withEmrId(r, r.id) }];
  }
  if (r.resourceType === 'Bundle') {
    const resources = ((r as Bundle).entry ?? []).map((e) => e.resource).filter((x): x is Resource => x !== undefined);
    const appointment = resources[0];
    if (appointment?.resourceType !== 'Appointment') throw new FhirFeedMessageError('the Bundle does not start with an Appointment');
    if (!appointment.id) throw new FhirFeedMessageError('the Appointment has no id');
    const byId = new Map(resources.filter((x): x is Patient => x.resourceType === 'Patient' && Boolean(x.id)).map((p) => [p.id as string, p]));
    const emrPatientIds = participantPatientIds(appointment).filter((id) => byId.has(id));
    return [
      {
        type: 'appointment-upsert',
        emrAppointmentId: appointment.id,
        emrPatientIds,
        appointment: withEmrId(appointment, appointment.id),
        change: appointmentChange(appointment.status, event),
        patients: emrPatientIds.map((id) => withEmrId(byId.get(id) as Patient, id)),
      },
    ];
  }
  if (r.resourceType === 'Appointment') {
    // A delete whose content the server no longer had: only the id is known.
    if (!r.id) throw new FhirFeedMessageError('the Appointment has no id');
    return [{ type: 'appointment-upsert', emrAppointmentId: r.id, emrPatientIds: [], appointment: withEmrId(r, r.id), change: appointmentChange(r.status, event), patients: [] }];
  }
  throw new FhirFeedMessageError(`a FHIR feed message holds a Patient or an Appointment Bundle, not a ${r.resourceType}`);
}
