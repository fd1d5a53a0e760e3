import type { Appointment, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { IDENTIFIER_SYSTEMS } from '../../domain/identifiers.js';
import { fhirMessageToEvents, appointmentChange } from './to-events.js';
import { appointmentBundle, canonicalJson, feedMessage, participantPatientIds } from './to-message.js';

const BASE = 'http://emr.example/fhir';
const p1: Patient = { resourceType: 'Patient', id: 'p1', meta: { versionId: '2' }, identifier: [{ system: 'urn:mrn', value: 'MRN1' }], name: [{ family: 'One' }] };
const p2: Patient = { resourceType: 'Patient', id: 'p2', name: [{ family: 'Two' }] };
const appt = (status: Appointment['status']): Appointment => ({
  resourceType: 'Appointment',
  id: 'a1',
  status,
  participant: [
    { actor: { reference: 'Practitioner/dr' }, status: 'accepted' },
    { actor: { reference: `${BASE}/Patient/p2` }, status: 'accepted' },
    { actor: { reference: 'Patient/p1' }, status: 'accepted' },
  ],
});
const raw = (v: unknown) => Buffer.from(canonicalJson(v));

describe('fhirMessageToEvents', () => {
  it('a Patient becomes a patient-upsert with the EMR id added first; a Patient delete gives nothing', () => {
    const [e] = fhirMessageToEvents(raw(p1), 'update');
    expect(e).toEqual({
      type: 'patient-upsert',
      emrPatientId: 'p1',
      patient: { ...p1, identifier: [{ system: IDENTIFIER_SYSTEMS.emr, value: 'p1' }, { system: 'urn:mrn', value: 'MRN1' }] },
    });
    expect(fhirMessageToEvents(raw(p1), 'delete')).toEqual([]);
  });

  it('an Appointment Bundle becomes an appointment-upsert with its patients in participant order', () => {
    const [e] = fhirMessageToEvents(raw(appointmentBundle(BASE, appt('booked'), [p1, p2])), 'create');
    expect(e).toMatchObject({ type: 'appointment-upsert', emrAppointmentId: 'a1', emrPatientIds: ['p2', 'p1'], change: 'new' });
    if (e?.type !== 'appointment-upsert') throw new Error('unexpected');
    expect(e.patients.map((p) => [p.id, p.identifier?.[0]])).toEqual([
      ['p2', { system: IDENTIFIER_SYSTEMS.emr, value: 'p2' }],
      ['p1', { system: IDENTIFIER_SYSTEMS.emr, value: 'p1' }],
    ]);
    expect(e.appointment.identifier).toEqual([{ system: IDENTIFIER_SYSTEMS.emr, value: 'a1' }]);
    // A patient the feed could not read (deleted) is left out of both lists, which stay aligned.
    const [partial] = fhirMessageToEvents(raw(appointmentBundle(BASE, appt('booked'), [p1])), 'update');
    expect(partial).toMatchObject({ emrPatientIds: ['p1'], patients: [{ id: 'p1' }], change: 'modify' });
  });

  it('maps status and event to the change', () => {
    const cases: [Appointment['status'], string, string][] = [
      ['booked', 'create', 'new'],
      ['pending', 'create', 'new'],
      ['proposed', 'update', 'modify'],
      ['booked', 'update', 'modify'],
      ['cancelled', 'update', 'cancel'],
      ['entered-in-error', 'create', 'cancel'],
      ['noshow', 'update', 'noshow'],
      ['booked', 'delete', 'delete'],
      ['cancelled', 'delete', 'delete'],
    ];
    for (const [status, event, change] of cases) {
      expect(appointmentChange(status, event), `${status} ${event}`).toBe(change);
      expect(fhirMessageToEvents(raw(appointmentBundle(BASE, appt(status), [])), event)[0]).toMatchObject({ change });
    }
  });

  it('refuses what is not a feed message, without quoting it', () => {
    expect(() => fhirMessageToEvents(Buffer.from('not json Smith'), 'create')).toThrow(/not JSON$/);
    expect(() => fhirMessageToEvents(raw({ resourceType: 'Observation', id: 'x' }), 'create')).toThrow(/not a Observation/);
    expect(() => fhirMessageToEvents(raw({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: p1 }] }), 'create')).toThrow(/start with an Appointment/);
  });
});

describe('feed messages', () => {
  it('name the version in the control id and hash the same whatever the key order', () => {
    const m = feedMessage({ type: 'Patient', id: 'p1', versionId: '2', event: 'update', content: p1, patientIds: ['p1'], serverHost: 'emr.example' });
    expect(m.header).toEqual({ sendingApplication: 'FHIR', sendingFacility: 'emr.example', controlId: 'Patient/p1/_history/2', messageType: 'Patient', event: 'update', version: 'R4' });
    expect(m).toMatchObject({ channel: 'fhir', status: 'received', ack: null, ackCode: null, patientIds: ['p1'] });
    const reordered = { name: p1.name, id: 'p1', identifier: p1.identifier, meta: { versionId: '2' }, resourceType: 'Patient' };
    expect(canonicalJson(reordered)).toBe(m.raw.toString());
    expect(participantPatientIds(appt('booked'))).toEqual(['p2', 'p1']);
  });
});
