import type { Appointment, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { MappingTemplate } from '../mapping/template.js';
import { appointmentSourceRow, FHIR_APPOINTMENT_COLUMNS } from './appointment-columns.js';
import {
  DEFAULT_ONCALL_APPOINTMENT_TYPE, emrAppointmentToRecord, suggestEmrAppointmentMapping, unknownAppointmentColumns,
} from './emr-appointment.js';

const V2_0276 = 'http://terminology.hl7.org/CodeSystem/v2-0276';

/** What an ordinary EMR returns: HL7 0276 type, service type, a Patient, a Practitioner and a Location. */
function emrAppointment(id: string, code: string, over: Partial<Appointment> = {}): Appointment {
  return {
    resourceType: 'Appointment', id, status: 'booked',
    appointmentType: { coding: [{ system: V2_0276, code }] },
    serviceType: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/service-type', code: '124', display: 'General Practice' }] }],
    description: 'GP consultation',
    start: '2026-03-10T09:15:00Z', end: '2026-03-10T09:35:00Z', minutesDuration: 20,
    participant: [
      { actor: { reference: 'Patient/p1' }, status: 'accepted' },
      { actor: { reference: 'Practitioner/dr-7', display: 'Dr Who' }, status: 'accepted' },
      { actor: { reference: 'Location/clinic-north', display: 'North clinic' }, status: 'accepted' },
    ],
    ...over,
  };
}

const patients = new Map<string, Patient>([
  ['p1', { resourceType: 'Patient', id: 'p1', name: [{ given: ['Ann'], family: 'Lee' }], telecom: [{ system: 'email', value: 'ann@example.org' }] }],
  ['p2', { resourceType: 'Patient', id: 'p2', name: [{ given: ['Bob'], family: 'Roy' }] }],
]);

function template(fields: MappingTemplate['fields']): MappingTemplate {
  return { version: 1, recordType: 'appointments', fields: { division: { constant: '1' }, ...fields } };
}

describe('an EMR appointment through a mapping (the one conversion the pull and the sync flows use)', () => {
  it('offers the FHIR elements as columns: codes, displays, practitioner, location, patient, both durations', () => {
    const row = appointmentSourceRow(emrAppointment('a1', 'CHECKUP', { minutesDuration: undefined }));
    const cell = (c: string) => row[FHIR_APPOINTMENT_COLUMNS.indexOf(c as never)];
    expect(cell('appointmentType')).toBe('CHECKUP');
    expect(cell('serviceType')).toBe('124');
    expect(cell('serviceType.display')).toBe('General Practice');
    expect(cell('practitioner')).toBe('dr-7');
    expect(cell('location')).toBe('clinic-north');
    expect(cell('location.display')).toBe('North clinic');
    expect(cell('patient')).toBe('p1');
    expect(cell('minutesDuration')).toBe('');
    expect(cell('minutesFromStartToEnd')).toBe('20');
  });

  it('a constant type applies to every row, whatever the EMR code', () => {
    const t = template({ type: { constant: 'phone' } });
    for (const code of ['CHECKUP', 'WALKIN', 'SOMETHING-ELSE']) {
      const r = emrAppointmentToRecord(emrAppointment(code, code), patients, t, 1);
      expect(r.record.type).toBe('phone');
      expect(r.issues.filter((i) => i.severity === 'error')).toEqual([]);
    }
  });

  it('an appointmentType map applies per code; division and provider from Location and Practitioner maps', () => {
    const t = template({
      type: { column: 'appointmentType', transforms: [{ type: 'value-map', map: { FOLLOWUP: 'online', CHECKUP: 'inperson' } }] },
      division: { column: 'location', transforms: [{ type: 'value-map', map: { 'clinic-north': '4' } }] },
      provider: { column: 'practitioner', transforms: [{ type: 'value-map', map: { 'dr-7': '9' } }] },
      title: { column: 'serviceType.display' },
      duration: { column: 'minutesFromStartToEnd' },
    });
    const follow = emrAppointmentToRecord(emrAppointment('a1', 'FOLLOWUP'), patients, t, 1);
    const check = emrAppointmentToRecord(emrAppointment('a2', 'checkup'), patients, t, 2);
    expect(follow.record).toMatchObject({ type: 'online', division: '4', provider: '9', title: 'General Practice', duration: '20', emrId: 'a1' });
    expect(check.record.type).toBe('inperson');
    // The participant is the EMR's patient, with the patient's e-mail (OnCall links by it).
    expect(follow.record).toMatchObject({ 'participants.name': 'Ann Lee', 'participants.email': 'ann@example.org', patientEmrId: 'p1' });
    expect(follow.issues.filter((i) => i.severity === 'error')).toEqual([]);
  });

  it('a code that is not in the map fails its row with a message naming the code and the field', () => {
    const t = template({ type: { column: 'appointmentType', transforms: [{ type: 'value-map', map: { FOLLOWUP: 'online' } }] } });
    const r = emrAppointmentToRecord(emrAppointment('a3', 'WALKIN'), patients, t, 7);
    const errors = r.issues.filter((i) => i.severity === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ line: 7, field: 'type', column: 'appointmentType', code: 'unknown-appointment-type' });
    expect(errors[0]!.message).toContain('"WALKIN"');
    expect(errors[0]!.message).toContain('type');
    // Free text (an EMR without codings) is never quoted: it could say anything about a patient.
    const text = emrAppointmentToRecord(emrAppointment('a4', 'X', { appointmentType: { text: 'Ann Lee knee, urgent' } }), patients, t, 8);
    expect(text.issues.map((i) => i.message).join(' ')).not.toContain('Ann Lee');
  });

  describe('a patient without an e-mail (OnCall requires a participant e-mail)', () => {
    const noEmail = emrAppointment('a5', 'ROUTINE', { participant: [{ actor: { reference: 'Patient/p2' }, status: 'accepted' }] });
    const withDivision = (options?: MappingTemplate['options']): MappingTemplate => {
      const t = suggestEmrAppointmentMapping();
      return { ...t, fields: { ...t.fields, division: { constant: '1' } }, ...(options ? { options } : {}) };
    };

    it('"provider": the participant uses the provider\'s address, with a warning that quotes neither it nor the patient', () => {
      const r = emrAppointmentToRecord(noEmail, patients, withDivision(), 3, {
        participantEmailFallback: { kind: 'address', email: 'dr.hart@clinic.example', from: 'provider' },
      });
      expect(r.issues.filter((i) => i.severity === 'error')).toEqual([]);
      expect(r.record).toMatchObject({ 'participants.name': 'Bob Roy', 'participants.email': 'dr.hart@clinic.example', 'metadata.patient_emr_id': 'p2' });
      const warnings = r.issues.filter((i) => i.severity === 'warning');
      expect(warnings).toEqual([{
        line: 3, field: 'participants.email', code: 'participant-email-fallback', severity: 'warning',
        message: 'the patient has no e-mail in the EMR; the participant uses the provider\'s address',
      }]);
      expect(JSON.stringify(warnings)).not.toMatch(/Bob|Roy|dr\.hart/);
      // A patient who has an e-mail keeps it, with no warning.
      const ann = emrAppointmentToRecord(emrAppointment('a6', 'ROUTINE'), patients, withDivision(), 4, {
        participantEmailFallback: { kind: 'address', email: 'dr.hart@clinic.example', from: 'provider' },
      });
      expect(ann.record['participants.email']).toBe('ann@example.org');
      expect(ann.issues).toEqual([]);
    });

    it('a provider mapped from the EMR\'s practitioner gives each row its own provider\'s address', () => {
      const t = withDivision();
      const perRow: MappingTemplate = { ...t, fields: { ...t.fields, provider: { column: 'practitioner', transforms: [{ type: 'value-map', map: { 'dr-7': '4' }, otherwise: 'empty' }] } } };
      const directory = { kind: 'provider-directory' as const, emails: new Map([['4', 'kenji@clinic.example'], ['1', 'amelia@clinic.example']]) };
      const withDr7 = emrAppointmentToRecord(emrAppointment('a7', 'ROUTINE', { participant: [...noEmail.participant, { actor: { reference: 'Practitioner/dr-7' }, status: 'accepted' }] }), patients, perRow, 5, { participantEmailFallback: directory });
      expect(withDr7.record).toMatchObject({ provider: '4', 'participants.email': 'kenji@clinic.example' });
      expect(withDr7.issues.map((i) => i.severity)).toEqual(['warning']);
      const unknownDr = emrAppointmentToRecord(noEmail, patients, perRow, 6, { participantEmailFallback: directory });
      expect(unknownDr.issues.filter((i) => i.severity === 'error').map((i) => i.message)).toEqual([
        'participants.email is required by OnCall Health, and the patient has no e-mail address in the EMR; the appointment has no provider, so there is no provider address to use (choose a provider: CLI --provider, or the provider in the wizard)',
      ]);
    });

    it('an address in the mapping is used as given; "none" leaves the appointment out, as before', () => {
      const desk = emrAppointmentToRecord(noEmail, patients, withDivision({ participantEmailFallback: 'desk@clinic.example' }), 3);
      expect(desk.record['participants.email']).toBe('desk@clinic.example');
      expect(desk.issues.map((i) => [i.severity, i.message])).toEqual([
        ['warning', 'the patient has no e-mail in the EMR; the participant uses the address given in the mapping (participantEmailFallback)'],
      ]);
      const none = emrAppointmentToRecord(noEmail, patients, withDivision({ participantEmailFallback: 'none' }), 3);
      const errors = none.issues.filter((i) => i.severity === 'error');
      expect(errors.map((e) => [e.field, e.message])).toEqual([
        ['participants.email', 'participants.email is required by OnCall Health, and the patient has no e-mail address in the EMR'],
      ]);
      expect(JSON.stringify(none.issues)).not.toContain('Bob');
    });

    it('"provider" without an address to use leaves the row out and says why', () => {
      const r = emrAppointmentToRecord(noEmail, patients, withDivision(), 3, {
        participantEmailFallback: { kind: 'unavailable', reason: 'the run has no provider, so there is no provider address to use' },
      });
      const errors = r.issues.filter((i) => i.severity === 'error');
      expect(errors.map((e) => e.field)).toEqual(['participants.email']);
      expect(errors[0]!.message).toBe('participants.email is required by OnCall Health, and the patient has no e-mail address in the EMR; the run has no provider, so there is no provider address to use');
      // Unresolved (no lookup was made), the default "provider" cannot apply either.
      const unresolved = emrAppointmentToRecord(noEmail, patients, suggestEmrAppointmentMapping(), 3);
      expect(unresolved.issues.filter((i) => i.severity === 'error').map((e) => e.field)).toEqual(['participants.email', 'division']);
    });
  });

  it('cancelled and no-show appointments are imported cancelled (a no-show is marked); entered-in-error ones are left out', () => {
    const t = { ...suggestEmrAppointmentMapping(), fields: { ...suggestEmrAppointmentMapping().fields, division: { constant: '1' } } };
    const cancelled = emrAppointmentToRecord(emrAppointment('c-cancelled', 'ROUTINE', { status: 'cancelled' }), patients, t, 4);
    expect(cancelled.issues).toEqual([]);
    expect(cancelled.record).toMatchObject({ cancelled: 'true' });
    expect(cancelled.record.noshow).toBeUndefined();
    const noshow = emrAppointmentToRecord(emrAppointment('c-noshow', 'ROUTINE', { status: 'noshow' }), patients, t, 4);
    expect(noshow.issues).toEqual([]);
    expect(noshow.record).toMatchObject({ cancelled: 'true', noshow: 'true' });
    const error = emrAppointmentToRecord(emrAppointment('c-error', 'ROUTINE', { status: 'entered-in-error' }), patients, t, 4);
    expect(error.issues.map((i) => [i.severity, i.code, i.message])).toEqual([
      ['error', 'not-happening', 'the appointment was entered in error in the EMR (it never existed); it is not imported'],
    ]);
    for (const status of ['booked', 'proposed', 'pending', 'waitlist', 'fulfilled'] as const) {
      const r = emrAppointmentToRecord(emrAppointment(`c-${status}`, 'ROUTINE', { status }), patients, t, 5);
      expect(r.issues, status).toEqual([]);
      expect(r.record.cancelled, status).toBeUndefined();
    }
  });

  it('the suggested mapping imports every HL7 0276 code as the documented default type, and "video" as online', () => {
    const t = { ...suggestEmrAppointmentMapping([emrAppointment('s', 'ROUTINE')]), fields: { ...suggestEmrAppointmentMapping().fields, division: { constant: '1' } } };
    for (const code of ['CHECKUP', 'EMERGENCY', 'FOLLOWUP', 'ROUTINE', 'WALKIN']) {
      const r = emrAppointmentToRecord(emrAppointment(code, code), patients, t, 1);
      expect(r.record.type).toBe(DEFAULT_ONCALL_APPOINTMENT_TYPE);
      expect(r.issues.filter((i) => i.severity === 'error')).toEqual([]);
    }
    const video = emrAppointmentToRecord(emrAppointment('v', 'X', { appointmentType: { text: 'Video' } }), patients, t, 1);
    expect(video.record.type).toBe('online');
    // Without minutesDuration in the samples, the duration comes from start and end.
    const noMinutes = suggestEmrAppointmentMapping([emrAppointment('s', 'ROUTINE', { minutesDuration: undefined })]);
    expect(noMinutes.fields.duration).toEqual({ column: 'minutesFromStartToEnd' });
  });

  it('names the columns of a template that a FHIR Appointment does not have (a CSV template by mistake)', () => {
    expect(unknownAppointmentColumns(template({ title: { column: 'Visit title' } }))).toEqual(['Visit title']);
    expect(unknownAppointmentColumns(suggestEmrAppointmentMapping())).toEqual([]);
  });
});

describe('examples/mappings/fhir-emr-appointments.json', () => {
  it('is a valid template whose columns a FHIR Appointment has, and maps follow-ups to video visits', async () => {
    const { readFileSync } = await import('node:fs');
    const { parseMappingTemplate } = await import('../mapping/template.js');
    const parsed = parseMappingTemplate(JSON.parse(readFileSync(new URL('../../../../examples/mappings/fhir-emr-appointments.json', import.meta.url), 'utf8')));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    expect(unknownAppointmentColumns(parsed.template)).toEqual([]);
    const r = emrAppointmentToRecord(emrAppointment('e1', 'FOLLOWUP'), patients, parsed.template, 1);
    expect(r.record).toMatchObject({ type: 'online', division: '1', 'metadata.emr_status': 'booked' });
    expect(r.issues.filter((i) => i.severity === 'error')).toEqual([]);
  });
});
