import { describe, expect, it } from 'vitest';
import { contactTemplate } from '../../../test/helpers/import-harness.js';
import { linesToFixFileName, linesToFixParts } from './lines-to-fix.js';

const reader = (text: string) => new Blob([text]).stream().getReader();

describe('download only the lines to fix', () => {
  it('keeps the problem lines with their columns, adds what to do, and neutralises formulas', async () => {
    const text = [
      'id,first,last,email,dob,sex',
      'e1,Ann,Lee,ann@example.org,1980-01-01,F',
      'e2,=HYPERLINK("x"),Roe,not-an-email,1980-02-30,M',
      'e3,Bo,Kim,bo@example.org,1970-05-05,F',
    ].join('\n');
    const { parts, lines } = await linesToFixParts(reader(text), { recordType: 'contacts', template: contactTemplate(), formFields: ['division', 'provider'] });
    expect(lines).toBe(1);
    const csv = parts.join('').replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(csv).toHaveLength(2);
    expect(csv[0]).toBe('id,first,last,email,dob,sex,problem');
    expect(csv[1]).toMatch(/^e2,"'=HYPERLINK\(""x""\)",Roe,not-an-email,1980-02-30,M,"Line 3 – /);
    expect(csv[1]).toContain('E-mail: ');
    expect(csv[1]).toContain('Date of birth: ');
    expect(csv[1]).not.toMatch(/birthDate|\bemail\b is/);
    expect(linesToFixFileName('patients.csv')).toBe('patients - lines to fix.csv');
  });
});
