import type { Appointment, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { parseInbound, type CanonicalEvent } from '../../channels/hl7v2/inbound.js';
import { IDENTIFIER_SYSTEMS } from '../../domain/identifiers.js';
import type { AppointmentWriteChange } from '../../flows/sync/targets/emr/emr-writer.js';
import { buildAdt } from './adt.js';
import { partiesOf } from './message-header.js';
import { buildSiu } from './siu.js';
import { APPOINTMENT_URL, CONTACT_URL, sampleAppointment, samplePatient } from './test-helpers/sample-records.js';

/**
 * What this writer builds, read back by the engine's own inbound parser (the one that reads an
 * EMR's ADT and SIU): both sides agree on names, birth date, sex, e-mail, phone, times, status.
 */
const parties = partiesOf({});

function accepted(text: string): CanonicalEvent[] {
  const result = parseInbound(Buffer.from(text, 'utf8'));
  if (result.kind !== 'accepted') throw new Error(`not accepted: ${JSON.stringify(result)}`);
  expect(result.warnings).toBeUndefined();
  return result.events;
}

function readPatient(text: string): { id: string; patient: Patient } {
  const [event] = accepted(text);
  if (event?.type !== 'patient-upsert') throw new Error('expected a patient-upsert');
  return { id: event.emrPatientId, patient: event.patient };
}

const telecomValue = (p: Patient, system: string): string | undefined => p.telecom?.find((t) => t.system === system)?.value;

describe('round trip through parseInbound', () => {
  it('ADT^A04 and A08: key, OnCall URL, names, birth date, sex, e-mail, phone', () => {
    const tricky = samplePatient({ name: [{ family: "O'Neil|Smith", given: ['Zoë^Ann', 'Marie&Jo'] }], gender: 'male' });
    for (const event of ['A04', 'A08'] as const) {
      const { id, patient } = readPatient(buildAdt({ event, patient: tricky, patientKey: 'OC-123' }, parties).text);
      expect(id).toBe('OC-123');
      expect(patient.identifier?.find((i) => i.system === IDENTIFIER_SYSTEMS.oncallUrl)?.value).toBe(CONTACT_URL);
      expect(patient.name?.[0]).toMatchObject({ family: "O'Neil|Smith", given: ['Zoë^Ann', 'Marie&Jo'] });
      expect(patient.birthDate).toBe('1984-03-07');
      expect(patient.gender).toBe('male');
      expect(telecomValue(patient, 'email')).toBe('elodie.tremblay@example.org');
      expect(patient.telecom?.find((t) => t.system === 'phone')).toEqual({ system: 'phone', value: '+1 416 555 0142', use: 'mobile' });
    }
  });

  it('every gender the sync can hold', () => {
    for (const gender of ['female', 'male', 'other', 'unknown'] as const) {
      expect(readPatient(buildAdt({ event: 'A08', patient: samplePatient({ gender }), patientKey: 'K1' }, parties).text).patient.gender).toBe(gender);
    }
  });

  it('SIU S12-S15: start, end, status, patients, placer and filler ids', () => {
    const cases: [AppointmentWriteChange, Appointment['status'], Appointment['status']][] = [
      ['new', 'booked', 'booked'],
      ['reschedule', 'booked', 'booked'],
      ['modify', 'fulfilled', 'fulfilled'],
      ['noshow', 'noshow', 'noshow'],
      ['cancel', 'cancelled', 'cancelled'],
    ];
    for (const [change, status, expected] of cases) {
      const appointment = sampleAppointment({ status, start: '2026-12-10T15:05:00Z', end: '2026-12-10T15:50:00Z', minutesDuration: 45 });
      const text = buildSiu({ change, appointment, placerId: APPOINTMENT_URL, fillerId: 'APT-1', patients: [{ patient: samplePatient(), key: 'OC-123' }] }, parties).text;
      const [event] = accepted(text);
      if (event?.type !== 'appointment-upsert') throw new Error('expected an appointment-upsert');
      expect(event.emrAppointmentId).toBe('APT-1');
      expect(event.appointment.identifier?.map((i) => i.value)).toEqual(['APT-1', APPOINTMENT_URL]);
      expect(event.appointment.start).toBe('2026-12-10T15:05:00Z');
      expect(event.appointment.end).toBe('2026-12-10T15:50:00Z');
      expect(event.appointment.minutesDuration).toBe(45);
      expect(event.appointment.status).toBe(expected);
      expect(event.emrPatientIds).toEqual(['OC-123']);
      expect(event.patients[0]?.name?.[0]).toMatchObject({ family: 'Tremblay', given: ['Élodie', 'Anne'] });
      expect(event.appointment.appointmentType?.coding?.[0]?.code).toBe('online');
    }
  });

  it('an appointment the EMR has no id for yet is known by its placer id (the OnCall URL)', () => {
    const text = buildSiu({ change: 'new', appointment: sampleAppointment(), placerId: APPOINTMENT_URL, patients: [{ patient: samplePatient(), key: 'OC-123' }] }, parties).text;
    const [event] = accepted(text);
    expect(event?.type === 'appointment-upsert' && event.emrAppointmentId).toBe(APPOINTMENT_URL);
  });
});
