import { describe, expect, it } from 'vitest';
import { PartnerError } from '../partner-error.js';
import { buildAdt } from './adt.js';
import { partiesOf } from './message-header.js';
import { derivedPatientKey } from './record-keys.js';
import { buildSiu, type SiuInput } from './siu.js';
import { APPOINTMENT_URL, samplePatient, sampleAppointment } from './test-helpers/sample-records.js';

const parties = partiesOf({});
const now = new Date('2026-12-02T18:30:05Z');
const segments = (text: string): string[] => text.split('\r').filter(Boolean);
const PID =
  'PID|1||OC-123^^^EMR&urn:ehr-bridge:emr-id&URI^MR~https://api.oncallhealth.ca/contacts/123/^^^ONCALL&urn:ehr-bridge:oncall-url&URI^PI||' +
  'Tremblay^Élodie^Anne||19840307|F|||||^NET^Internet^elodie.tremblay@example.org~+1 416 555 0142^^CP^^^^^^^^^+1 416 555 0142';

const siuInput = (overrides: Partial<SiuInput> = {}): SiuInput => ({
  change: 'new',
  appointment: sampleAppointment(),
  placerId: APPOINTMENT_URL,
  patients: [{ patient: samplePatient(), key: 'OC-123' }],
  ...overrides,
});

describe('ADT^A04 / ADT^A08 builder', () => {
  it('writes MSH (v2.5.1, UTF-8, UTC), EVN, PID with the key and the OnCall URL, PV1', () => {
    const msg = buildAdt({ event: 'A04', patient: samplePatient(), patientKey: 'OC-123' }, parties, now);
    expect(msg.text.endsWith('\r')).toBe(true);
    expect(segments(msg.text)).toEqual([
      `MSH|^~\\&|EHRBRIDGE|ONCALL|EMR||20261202183005+0000||ADT^A04^ADT_A01|${msg.controlId}|P|2.5.1||||||UNICODE UTF-8`,
      'EVN|A04|20261202183005+0000',
      PID,
      'PV1|1|N',
    ]);
    expect(msg.controlId).toMatch(/^[A-Z2-7]{20}$/);
    expect(msg.messageType).toBe('ADT^A04');
  });

  it('takes MSH-3..6 from the options', () => {
    const custom = partiesOf({ sendingApplication: 'BRIDGE', sendingFacility: 'CLINIC', receivingApplication: 'OSCAR', receivingFacility: 'MAIN' });
    const msh = segments(buildAdt({ event: 'A08', patient: samplePatient(), patientKey: 'E-1' }, custom, now).text)[0];
    expect(msh).toMatch(/^MSH\|\^~\\&\|BRIDGE\|CLINIC\|OSCAR\|MAIN\|20261202183005\+0000\|\|ADT\^A08\^ADT_A01\|/);
    const pid = segments(buildAdt({ event: 'A08', patient: samplePatient(), patientKey: 'E-1' }, custom, now).text)[2];
    expect(pid).toContain('E-1^^^OSCAR&urn:ehr-bridge:emr-id&URI^MR');
  });

  it('escapes |^~\\& in names and keys, so every field stays where it belongs', () => {
    const patient = samplePatient({ name: [{ family: 'Smith|Jones^Jr', given: ['A~B\\C&D'] }] });
    const pid = segments(buildAdt({ event: 'A04', patient, patientKey: 'K|1' }, parties, now).text)[2] ?? '';
    expect(pid).toContain('|Smith\\F\\Jones\\S\\Jr^A\\R\\B\\E\\C\\T\\D||19840307|F|');
    expect(pid.startsWith('PID|1||K\\F\\1^^^EMR&')).toBe(true);
    expect(pid.split('|')).toHaveLength(14);
  });

  it('puts a work phone in PID-14 and leaves telecom fields out when there are none', () => {
    const withWork = buildAdt({ event: 'A08', patient: samplePatient({ telecom: [{ system: 'phone', value: '416-555-0199', use: 'work' }] }), patientKey: 'OC-123' }, parties, now);
    expect(segments(withWork.text)[2]).toMatch(/\|F\|\|\|\|\|\|416-555-0199\^WPN\^PH\^\^\^\^\^\^\^\^\^416-555-0199$/);
    const none = buildAdt({ event: 'A08', patient: samplePatient({ telecom: [] }), patientKey: 'OC-123' }, parties, now);
    expect(segments(none.text)[2]).toMatch(/\|19840307\|F$/);
  });

  it('refuses a patient with no name, or a birth date that is not a date, naming the field and not the value', () => {
    const noName = () => buildAdt({ event: 'A04', patient: samplePatient({ name: [{ given: ['  '] }] }), patientKey: 'OC-123' }, parties, now);
    expect(noName).toThrow(PartnerError);
    expect(noName).toThrow(/PID-5/);
    const badDate = () => buildAdt({ event: 'A04', patient: samplePatient({ birthDate: '07/03/1984' }), patientKey: 'OC-123' }, parties, now);
    expect(badDate).toThrow(/birthDate is not a FHIR date/);
    expect(badDate).not.toThrow(/1984/);
    try {
      noName();
    } catch (e) {
      expect((e as PartnerError).kind).toBe('permanent');
    }
  });
});

describe('SIU builder', () => {
  it('writes SIU^S12: SCH with the placer URL, TQ1, PID, RGS, AIP', () => {
    const msg = buildSiu(siuInput(), parties, now);
    expect(segments(msg.text)).toEqual([
      `MSH|^~\\&|EHRBRIDGE|ONCALL|EMR||20261202183005+0000||SIU^S12^SIU_S12|${msg.controlId}|P|2.5.1||||||UNICODE UTF-8`,
      'SCH|https://api.oncallhealth.ca/appointments/987/^ONCALL|||||NEW^New appointment|online^^L|Normal^Routine schedule request^HL70277|30|min^minutes^ISO+|' +
        '^^^20261210150000+0000^20261210153000+0000|||||PRV-7^Dr Rosalind Chen||||EHRBRIDGE|||||Booked',
      'TQ1|1||||||20261210150000+0000|20261210153000+0000',
      PID,
      'RGS|1|A',
      'AIP|1|A|PRV-7^Dr Rosalind Chen|||20261210150000+0000|||30|min^minutes^ISO+||Booked',
    ]);
  });

  it('maps each change to its event and filler status; SCH-2 carries the EMR id when known', () => {
    const cases = [
      ['reschedule', 'S13', 'Booked'],
      ['modify', 'S14', 'Booked'],
      ['noshow', 'S14', 'Noshow'],
      ['cancel', 'S15', 'Cancelled'],
    ] as const;
    for (const [change, event, status] of cases) {
      const lines = segments(buildSiu(siuInput({ change, fillerId: 'APT-9' }), parties, now).text);
      expect(lines[0]).toContain(`|SIU^${event}^SIU_S12|`);
      const sch = (lines[1] ?? '').split('|');
      expect(sch[2]).toBe('APT-9^EMR');
      expect(sch[25]).toBe(status);
      expect(lines.find((l) => l.startsWith('RGS'))).toBe('RGS|1|U');
    }
  });

  it('writes one PID per patient, numbered, plus a note, a service and a location', () => {
    const appointment = sampleAppointment({
      comment: 'Bring the\nreferral',
      serviceType: [{ coding: [{ code: 'FU', display: 'Follow-up' }] }],
      participant: [{ actor: { reference: 'Location/3', display: 'Room 2' }, status: 'accepted' }],
    });
    const second = samplePatient({ name: [{ family: 'Tremblay', given: ['Léo'] }], identifier: [] });
    const lines = segments(buildSiu(siuInput({ appointment, patients: [{ patient: samplePatient(), key: 'OC-123' }, { patient: second, key: 'OC-P555' }] }), parties, now).text);
    expect(lines.map((l) => l.slice(0, 3))).toEqual(['MSH', 'SCH', 'TQ1', 'NTE', 'PID', 'PID', 'RGS', 'AIS', 'AIL']);
    expect(lines[3]).toBe('NTE|1||Bring the\\X0A\\referral');
    expect(lines[5]).toMatch(/^PID\|2\|\|OC-P555\^\^\^EMR&urn:ehr-bridge:emr-id&URI\^MR\|\|Tremblay\^Léo\|/);
    expect(lines[7]).toBe('AIS|1|A|FU^Follow-up|20261210150000+0000|||30|min^minutes^ISO+||Booked');
    expect(lines[8]).toBe('AIL|1|A|Room 2|||20261210150000+0000|||30|min^minutes^ISO+||Booked');
  });

  it('refuses an appointment without patients, without a start, or ending before it starts', () => {
    expect(() => buildSiu(siuInput({ patients: [] }), parties, now)).toThrow(/needs a PID/);
    expect(() => buildSiu(siuInput({ appointment: sampleAppointment({ start: undefined }) }), parties, now)).toThrow(/start is missing/);
    expect(() => buildSiu(siuInput({ appointment: sampleAppointment({ start: '2026-12-10' }) }), parties, now)).toThrow(/start is missing/);
    expect(() => buildSiu(siuInput({ appointment: sampleAppointment({ end: '2026-12-10T14:00:00Z' }) }), parties, now)).toThrow(/end is before its start/);
  });

  it('derives the end from minutesDuration when there is none', () => {
    const lines = segments(buildSiu(siuInput({ appointment: sampleAppointment({ end: undefined, minutesDuration: 45 }) }), parties, now).text);
    expect(lines[2]).toBe('TQ1|1||||||20261210150000+0000|20261210154500+0000');
  });
});

describe('MSH-10: stable per change', () => {
  it('is the same for the same change sent at another time, different for another content or record', () => {
    const input = { event: 'A08' as const, patient: samplePatient(), patientKey: 'OC-123' };
    const first = buildAdt(input, parties, now);
    const later = buildAdt(input, parties, new Date('2026-12-03T09:00:00Z'));
    expect(later.controlId).toBe(first.controlId);
    expect(later.text).not.toBe(first.text); // MSH-7 and EVN-2 say when it was sent
    expect(buildAdt({ ...input, patient: samplePatient({ birthDate: '1984-03-08' }) }, parties, now).controlId).not.toBe(first.controlId);
    expect(buildAdt({ ...input, patientKey: 'OC-124' }, parties, now).controlId).not.toBe(first.controlId);
    expect(buildAdt({ ...input, event: 'A04' }, parties, now).controlId).not.toBe(first.controlId);
    const siu = buildSiu(siuInput({ change: 'modify' }), parties, now);
    expect(buildSiu(siuInput({ change: 'modify' }), parties, new Date(now.getTime() + 60_000)).controlId).toBe(siu.controlId);
    expect(buildSiu(siuInput({ change: 'reschedule' }), parties, now).controlId).not.toBe(siu.controlId);
  });
});

describe('MSH-10 with a change key', () => {
  it('tells a return to an earlier state from a resend: 3 pm -> 4 pm -> 3 pm', () => {
    const at = (hour: number, changeKey?: string): string =>
      buildSiu(siuInput({ change: 'reschedule', appointment: sampleAppointment({ start: `2026-12-10T${hour}:00:00Z`, end: `2026-12-10T${hour}:30:00Z` }), ...(changeKey ? { changeKey } : {}) }), parties, now).controlId;
    // Content alone: the third message is the first one again, and an EMR would drop it.
    expect(at(15)).toBe(at(15));
    expect(at(15, 'message 3')).not.toBe(at(15, 'message 1'));
    expect(at(15, 'message 3')).toBe(at(15, 'message 3'));
    const adt = (changeKey: string): string => buildAdt({ event: 'A08', patient: samplePatient(), patientKey: 'OC-123', changeKey }, parties, now).controlId;
    expect(adt('m1')).not.toBe(adt('m2'));
  });
});

describe('derived patient keys', () => {
  it('uses the contact number, marks participants apart, hashes anything else within 15 characters', () => {
    expect(derivedPatientKey('https://api.oncallhealth.ca/contacts/123/')).toBe('OC-123');
    expect(derivedPatientKey('https://api.oncallhealth.ca/participants/45/')).toBe('OC-P45');
    const other = derivedPatientKey('https://api.oncallhealth.ca/odd/thing');
    expect(other).toMatch(/^OC-[A-Z2-7]{12}$/);
    expect(derivedPatientKey('https://api.oncallhealth.ca/odd/thing')).toBe(other);
  });
});
