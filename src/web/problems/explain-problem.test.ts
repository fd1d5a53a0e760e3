import { describe, expect, it } from 'vitest';
import { explainProblem, fieldLabel } from './explain-problem.js';

describe('explainProblem', () => {
  it('names the field as the matching screen does and says what to do', () => {
    const x = explainProblem('contacts', {
      field: 'birthDate', column: 'BIRTHDATE', code: 'impossible-date', message: 'birthDate is not a real calendar date',
    });
    expect(x).toMatchObject({
      fieldLabel: 'Date of birth', column: 'BIRTHDATE', problem: 'Date of birth is not a real calendar date.', warning: false,
    });
    expect(x.fix).toMatch(/does not exist/);
  });

  it('labels participant and extra fields, and falls back to a generic next step', () => {
    expect(fieldLabel('appointments', 'participants.email[2]')).toBe('Participant e-mail (participant 2)');
    expect(fieldLabel('appointments', 'metadata.room')).toBe('Extra value “room”');
    const x = explainProblem('appointments', { field: 'title', code: 'some-new-code', message: 'title is odd', severity: 'warning' });
    expect(x.problem).toBe('Title is odd.');
    expect(x.fix).toMatch(/Correct the value/);
    expect(x.warning).toBe(true);
  });

  it('says which name fields can hold the name, and where translations are added', () => {
    expect(explainProblem('contacts', { field: 'fullName', code: 'required', message: 'a name is required (fullName, or firstName / lastName)' }).problem)
      .toBe('A name is required (Full name, or First name / Last name).');
    expect(explainProblem('contacts', { field: 'birthDate', code: 'invalid-date', message: 'birthDate is not a date in the format YYYY-MM-DD (add a date transform for other formats)' }).problem)
      .toBe('Date of birth is not a date in the format YYYY-MM-DD (choose the date format on the matching screen).');
  });
});
