import { describe, expect, it } from 'vitest';
import type { ImportRecord } from '../mapping/import-record.js';
import type { ValidationIssue } from './issues.js';
import { splitParticipants } from './participants.js';
import { canonicalRecordString, rowKey } from './row-key.js';
import { validateRecord } from './validate-record.js';

const TODAY = '2025-06-01';
const codes = (issues: ValidationIssue[]) => issues.map((i) => `${i.field}:${i.code}`);

/** Every message must be free of the record's values (they are patient data). */
function expectNoValues(record: ImportRecord, issues: ValidationIssue[]): void {
  const values = Object.values(record).flatMap((v) => v.split(/[;|]/)).map((v) => v.trim()).filter((v) => v.length >= 3);
  for (const i of issues) for (const v of values) expect(i.message, `${i.code} leaks a value`).not.toContain(v);
}

const contact = (over: ImportRecord = {}): ImportRecord => ({
  emrId: 'P-1', firstName: 'Ann', lastName: 'Lee', fullName: 'Ann Lee', email: 'ann.lee@example.org',
  phone: '+447700900123', birthDate: '1980-03-04', sex: 'female', ...over,
});

describe('validateRecord: contacts', () => {
  it('accepts a complete contact', () => {
    expect(validateRecord(contact(), 'contacts', { today: TODAY })).toEqual([]);
  });

  it('requires a name; a missing EMR id is only a warning', () => {
    const r = contact({ firstName: '', lastName: '', fullName: '', emrId: '' });
    const issues = validateRecord(r, 'contacts', { line: 7, today: TODAY, columnOf: (f) => (f === 'fullName' ? 'FIRST + LAST' : undefined) });
    expect(issues).toEqual([
      { line: 7, field: 'emrId', code: 'emr-id-missing', severity: 'warning', message: 'emrId is empty: the row is keyed by its content and cannot be matched on a later import' },
      { line: 7, field: 'fullName', column: 'FIRST + LAST', code: 'required', severity: 'error', message: 'a name is required (fullName, or firstName / lastName)' },
    ]);
  });

  it('bad e-mail, e-mail in a name column, bad phone, unknown sex, bad reference', () => {
    const r = contact({ email: 'ann.lee@', firstName: 'ann@example.org', fullName: 'ann@example.org Lee', phone: 'call me', sex: 'F', division: 'not a url!' });
    const issues = validateRecord(r, 'contacts', { today: TODAY });
    expect(codes(issues)).toEqual([
      'firstName:email-in-name', 'email:invalid-email', 'phone:invalid-phone', 'sex:unknown-sex', 'division:invalid-reference',
    ]);
    expect(issues.find((i) => i.code === 'unknown-sex')?.message).toBe('sex must be one of male, female, other, unknown (add a value map for other codes)');
    expectNoValues(r, issues);
  });

  it('birth dates: wrong shape, impossible, in the future — without echoing the date', () => {
    const cases: [string, string, string][] = [
      ['04/03/1980', 'invalid-date', 'birthDate is not a date in the format YYYY-MM-DD (add a date transform for other formats)'],
      ['2021-02-30', 'impossible-date', 'birthDate is not a real calendar date'],
      ['2031-01-01', 'birth-date-in-future', 'birthDate is in the future'],
    ];
    for (const [birthDate, code, message] of cases) {
      const issues = validateRecord(contact({ birthDate }), 'contacts', { today: TODAY });
      expect(issues).toEqual([{ line: 0, field: 'birthDate', code, message, severity: 'error' }]);
    }
  });

  it('too long fields and custom fields', () => {
    const r = contact({ lastName: 'x'.repeat(151), 'customFields.7': 'y'.repeat(2001) });
    const issues = validateRecord(r, 'contacts', { today: TODAY });
    expect(codes(issues)).toEqual(['customFields.7:too-long', 'lastName:too-long']);
    expect(issues[1]?.message).toBe('lastName is longer than 150 characters');
  });

  it('does not judge a field twice when mapping already reported it', () => {
    expect(validateRecord(contact({ birthDate: '' }), 'contacts', { today: TODAY, skipFields: ['birthDate'] })).toEqual([]);
  });
});

const appt = (over: ImportRecord = {}): ImportRecord => ({
  emrId: 'A-1', title: 'Follow-up', start: '2024-03-10T09:15:00-05:00', duration: '30', type: 'online',
  division: 'https://api.oncallhealth.ca/divisions/1/', 'participants.name': 'Ann Lee', 'participants.email': 'ann@example.org', ...over,
});

describe('validateRecord: appointments', () => {
  it('accepts a complete appointment', () => {
    expect(validateRecord(appt(), 'appointments')).toEqual([]);
  });

  it('required fields, types, durations and date-times', () => {
    const issues = validateRecord(appt({ title: '', type: 'video', duration: '0', division: '', start: '2024-03-10 09:15' }), 'appointments');
    expect(codes(issues)).toEqual([
      'title:required', 'type:unknown-appointment-type', 'start:invalid-datetime', 'duration:invalid-duration', 'division:required',
    ]);
    expect(codes(validateRecord(appt({ duration: '1.5' }), 'appointments'))).toEqual(['duration:invalid-duration']);
    expect(codes(validateRecord(appt({ duration: '99999999999' }), 'appointments'))).toEqual(['duration:invalid-duration', 'duration:too-long']);
    expect(codes(validateRecord(appt({ start: '' }), 'appointments'))).toEqual(['start:datetime-required']);
    expect(validateRecord(appt({ start: '', type: 'message' }), 'appointments')).toEqual([]);
    expect(codes(validateRecord(appt({ start: '2023-02-29T10:00:00Z' }), 'appointments'))).toEqual(['start:impossible-date']);
  });

  it('participants: aligned by position, at most 25, each with a name or an e-mail', () => {
    const r = appt({ 'participants.name': 'Ann Lee;;Cy Roe|', 'participants.email': 'ann@x.org; ;cy@', 'participants.fee': '80.00;;abc' });
    expect(splitParticipants(r).map((p) => [p.position, p.name, p.email, p.fee])).toEqual([
      [1, 'Ann Lee', 'ann@x.org', '80.00'], [3, 'Cy Roe', 'cy@', 'abc'],
    ]);
    const gap = appt({ 'participants.name': 'Ann;;Cy', 'participants.email': 'a@x.org;;c@x.org', 'participants.fee': ';10;' });
    expect(codes(validateRecord(gap, 'appointments'))).toEqual(['participants[2]:participant-incomplete']);
    expect(validateRecord(gap, 'appointments')[0]?.message).toBe('participant 2 has neither a name nor an e-mail');
    const bad = validateRecord(r, 'appointments');
    expect(codes(bad)).toEqual(['participants.email[3]:invalid-email', 'participants.fee[3]:invalid-fee']);
    expectNoValues(r, bad);

    const many = appt({
      'participants.name': Array.from({ length: 26 }, (_, i) => `P${i}`).join('|'),
      'participants.email': '',
    });
    const tooMany = validateRecord(many, 'appointments', { columnOf: (f) => (f === 'participants.name' ? 'Attendees' : undefined) });
    expect(tooMany).toEqual([{ line: 0, field: 'participants', column: 'Attendees', code: 'too-many-participants', severity: 'error', message: '26 participants, more than the 25 OnCall allows' }]);
    expect(codes(validateRecord(appt({ 'participants.name': '', 'participants.email': '' }), 'appointments'))).toEqual(['participants:required']);
    // First/last names make a participant name too.
    expect(splitParticipants({ 'participants.firstName': 'Ann|Bo', 'participants.lastName': 'Lee|' }).map((p) => p.name)).toEqual(['Ann Lee', 'Bo']);
  });

  it('metadata limits count the EMR id key', () => {
    const meta: ImportRecord = {};
    for (let i = 0; i < 49; i++) meta[`metadata.k${i}`] = 'v';
    expect(validateRecord(appt(meta), 'appointments')).toEqual([]);
    const over = validateRecord(appt({ ...meta, 'metadata.k49': 'v' }), 'appointments');
    expect(over.map((i) => i.message)).toEqual(['metadata has 51 keys, more than the 50 OnCall allows (the EMR id counts as one)']);
    expect(codes(validateRecord(appt({ 'metadata.room': 'r'.repeat(2001), [`metadata.${'k'.repeat(101)}`]: 'v', 'metadata.emr_id': 'x' }), 'appointments'))).toEqual([
      'metadata.room:metadata-value-too-long', `metadata.${'k'.repeat(101)}:metadata-key-too-long`, 'metadata.emr_id:metadata-key-conflict',
    ]);
    expect(codes(validateRecord(appt({ emrId: 'e'.repeat(2001) }), 'appointments'))).toEqual(['emrId:metadata-value-too-long']);
  });
});

describe('rowKey', () => {
  it('is the EMR id when present, else a canonical text independent of field order and empty cells', () => {
    expect(rowKey({ emrId: 'P-1', firstName: 'Ann' })).toEqual({ kind: 'emr-id', value: 'P-1' });
    const a = rowKey({ emrId: '', lastName: 'Lee', firstName: 'Ann', email: '' });
    const b = rowKey({ firstName: 'Ann', lastName: 'Lee' });
    expect(a).toEqual(b);
    expect(a).toEqual({ kind: 'content', value: '[["firstName","Ann"],["lastName","Lee"]]' });
    expect(canonicalRecordString({ a: 'x"]', b: 'y' })).not.toBe(canonicalRecordString({ a: 'x', b: '"]y' }));
  });
});
