import { describe, expect, it } from 'vitest';
import { formatMessageRate } from './channel-rate.js';
import { formatRelative, MESSAGE_STATUS_TEXT, messageTypeLabel, portOf, TYPE_FILTER_OPTIONS } from './labels.js';
import { readable } from './message-text.js';
import { channelDetailText, parsedText } from './parsed-text.js';

describe('the Sync page in words', () => {
  it('names message types with their event in words, and FHIR changes by resource', () => {
    expect(messageTypeLabel({ messageType: 'ADT', event: 'A08' })).toBe('ADT^A08 Patient updated');
    expect(messageTypeLabel({ messageType: 'SIU', event: 'S12' })).toBe('SIU^S12 New appointment');
    expect(messageTypeLabel({ messageType: 'SIU', event: 'S26' })).toBe('SIU^S26 Patient did not come');
    // An event the engine does not read keeps its code, with the type's words when known.
    expect(messageTypeLabel({ messageType: 'ADT', event: 'A99' })).toBe('ADT^A99 Patient administration');
    expect(messageTypeLabel({ messageType: 'ORU', event: 'R01' })).toBe('ORU^R01');
    expect(messageTypeLabel({ messageType: 'ACK', event: '' })).toBe('ACK Acknowledgement');
    expect(messageTypeLabel({ messageType: 'Patient', event: 'update' })).toBe('FHIR Patient updated');
    expect(messageTypeLabel({ messageType: 'Appointment', event: 'delete' })).toBe('FHIR Appointment deleted');
    expect(messageTypeLabel({ messageType: '', event: '' })).toBe('Not readable as HL7');
  });

  it('says every status in words, never its code', () => {
    expect(Object.values(MESSAGE_STATUS_TEXT).map((s) => s.label)).toEqual(['Waiting', 'Done', 'Failed', 'Ignored (nothing to do)', 'Refused']);
  });

  it('offers type filters the messages API accepts', () => {
    // GET /api/messages?type= takes ADT, or ADT^A08 (src/http/routes/messages-routes.ts).
    for (const o of TYPE_FILTER_OPTIONS) expect(o.value).toMatch(/^[A-Z0-9]{3}(\^[A-Z0-9]{3})?$/);
    expect(TYPE_FILTER_OPTIONS.find((o) => o.value === 'ADT^A40')?.label).toBe('ADT^A40 Patients merged');
  });

  it('says when in relative words', () => {
    const now = Date.parse('2026-12-02T12:00:00Z');
    expect(formatRelative(null, now)).toBe('never');
    expect(formatRelative('2026-12-02T11:59:58Z', now)).toBe('just now');
    expect(formatRelative('2026-12-02T11:59:15Z', now)).toBe('45 s ago');
    expect(formatRelative('2026-12-02T11:57:00Z', now)).toBe('3 min ago');
    expect(formatRelative('2026-12-02T09:00:00Z', now)).toBe('3 h ago');
  });

  it("reads the port from a channel's detail", () => {
    expect(portOf('port 2576 on 127.0.0.1; 2 connection(s) open')).toBe(2576);
    expect(portOf('port 2576 (TLS) on 0.0.0.0')).toBe(2576);
    expect(portOf('not listening')).toBeNull();
  });

  it('writes rates a second or a minute', () => {
    expect(formatMessageRate(null)).toBe('–');
    expect(formatMessageRate(0)).toBe('none');
    expect(formatMessageRate(0.5)).toBe('30 a minute');
    expect(formatMessageRate(0.05)).toBe('3.0 a minute');
    expect(formatMessageRate(2.5)).toBe('2.5 a second');
    expect(formatMessageRate(140.2)).toBe('140 a second');
  });

  it('shows HL7 one segment a line and JSON indented', () => {
    expect(readable('MSH|^~\\&|A\rPID|1\r')).toBe('MSH|^~\\&|A\nPID|1');
    expect(readable('MSH|1\r\nEVN|A08\nPID|1')).toBe('MSH|1\nEVN|A08\nPID|1');
    expect(readable('{"resourceType":"Patient","id":"p1"}')).toBe('{\n  "resourceType": "Patient",\n  "id": "p1"\n}');
    // A kept head of a refused oversize message is not whole JSON: shown as it came.
    expect(readable('{"resourceType":"Bun')).toBe('{"resourceType":"Bun');
  });

  it('says what a message was read as in sentences, its FHIR resources kept aside', () => {
    const patient = { resourceType: 'Patient', id: 'x' };
    const appointment = { resourceType: 'Appointment', status: 'booked' };
    const read = parsedText({
      events: [
        { type: 'patient-upsert', emrPatientId: 'PAT-12', patient },
        { type: 'appointment-upsert', emrAppointmentId: 'A-9', emrPatientIds: ['PAT-12'], change: 'reschedule', appointment, patients: [] },
        { type: 'appointment-upsert', emrAppointmentId: 'A-10', emrPatientIds: ['PAT-12', 'PAT-13'], change: 'noshow', appointment, patients: [] },
        { type: 'patient-merge', survivorId: 'PAT-1', retiredId: 'PAT-2' },
      ],
    });
    expect(read?.sentences).toEqual([
      'Patient PAT-12 new or updated',
      'Appointment A-9 for patient PAT-12: rescheduled',
      'Appointment A-10 for patients PAT-12, PAT-13: no-show',
      'Merge: patient PAT-1 kept, patient PAT-2 retired into it',
    ]);
    expect(read?.resources).toEqual([patient, appointment, appointment]);
    const words = ['new', 'modify', 'cancel', 'delete'].map(
      (change) => parsedText({ events: [{ type: 'appointment-upsert', emrAppointmentId: 'A', emrPatientIds: ['P'], change }] })?.sentences[0],
    );
    expect(words).toEqual(['Appointment A for patient P: new', 'Appointment A for patient P: changed', 'Appointment A for patient P: cancelled', 'Appointment A for patient P: deleted']);
    // A refusal is said by the page's "Why" box: no sentence here.
    expect(parsedText({ outcome: 'rejected', ack: 'AE', errors: [{ code: '101', text: 'PID-3 missing' }] })).toBeNull();
  });

  it('counts open connections in words', () => {
    expect(channelDetailText('port 2576 on 127.0.0.1; 0 connection(s) open')).toBe('port 2576 on 127.0.0.1; no connection open');
    expect(channelDetailText('port 2576 on 127.0.0.1; 1 connection(s) open')).toBe('port 2576 on 127.0.0.1; 1 connection open');
    expect(channelDetailText('port 2576 on 127.0.0.1; 12 connection(s) open')).toBe('port 2576 on 127.0.0.1; 12 connections open');
    expect(channelDetailText('polling every 5 s')).toBe('polling every 5 s');
  });
});
