import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { detectDateFormat, suggestMapping } from './suggest-mapping.js';
import { parseMappingTemplate } from './template.js';

const SYNTHEA = '/work/shared/data/synthea/patients.csv';
const exampleUrl = new URL('../../../../examples/mappings/synthea-patients-contacts.json', import.meta.url);

describe('suggestMapping', () => {
  const rows: string[][] = parse(readFileSync(SYNTHEA, 'utf8'));
  const header = rows[0]!;

  it('maps Synthea patients.csv in one call, with the sex map and strip-digits', () => {
    const s = suggestMapping(header, 'contacts', rows.slice(1, 21));
    expect(s.template.fields).toEqual({
      emrId: { column: 'Id' },
      firstName: { column: 'FIRST', transforms: [{ type: 'strip-digits' }] },
      lastName: { column: 'LAST', transforms: [{ type: 'strip-digits' }] },
      birthDate: { column: 'BIRTHDATE', transforms: [{ type: 'date', format: 'YYYY-MM-DD' }] },
      sex: { column: 'GENDER', transforms: [{ type: 'value-map', preset: 'sex' }] },
    });
    expect(s.matches.every((m) => m.confidence === 'high')).toBe(true);
    expect(s.unmappedColumns).toContain('DEATHDATE');
    expect(s.unmappedColumns).not.toContain('FIRST');
    expect(parseMappingTemplate(s.template).ok).toBe(true);
  });

  it('matches the shipped example template (docs stay true)', () => {
    const example = JSON.parse(readFileSync(exampleUrl, 'utf8')) as unknown;
    const parsed = parseMappingTemplate(example);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const s = suggestMapping(header, 'contacts', rows.slice(1, 21));
    // The example adds the file-wide division constant that no header can suggest.
    const { division, ...fromColumns } = parsed.template.fields;
    expect(division).toEqual({ constant: 'https://api.oncallhealth.ca/divisions/1/' });
    expect(fromColumns).toEqual(s.template.fields);
  });

  it('offers strip-digits only when sample names contain digits', () => {
    const clean = rows.slice(1, 21).map((r) => r.map((c, i) => (i === 7 || i === 8 ? c.replace(/\d/g, '') : c)));
    const s = suggestMapping(header, 'contacts', clean);
    expect(s.template.fields.firstName).toEqual({ column: 'FIRST' });
    expect(suggestMapping(header, 'contacts').template.fields.lastName).toEqual({ column: 'LAST' });
  });

  it('understands synonyms regardless of case, spaces, underscores and accents', () => {
    const s = suggestMapping(
      ['Patient ID', 'Prénom', 'NOM', 'Date of birth', 'Sex', 'E-mail', 'Mobile', 'Notes'],
      'contacts',
      [['1', 'Ann', 'Lee', '31/12/1980', 'F', 'a@x.org', '07700 900123', '']],
    );
    expect(s.template.fields).toMatchObject({
      emrId: { column: 'Patient ID' },
      firstName: { column: 'Prénom' },
      lastName: { column: 'NOM' },
      birthDate: { column: 'Date of birth', transforms: [{ type: 'date', format: 'DD/MM/YYYY' }] },
      sex: { column: 'Sex', transforms: [{ type: 'value-map', preset: 'sex' }] },
      email: { column: 'E-mail', transforms: [{ type: 'lower' }] },
      phone: { column: 'Mobile', transforms: [{ type: 'phone' }] },
      notes: { column: 'Notes' },
    });
    for (const [h, field] of [['patient_id', 'emrId'], ['MRN', 'emrId'], ['EMR id', 'emrId'], ['given', 'firstName'],
      ['First Name', 'firstName'], ['surname', 'lastName'], ['family', 'lastName'], ['Last Name', 'lastName'],
      ['DOB', 'birthDate'], ['birth_date', 'birthDate'], ['email', 'email'], ['telephone', 'phone'], ['GENDER', 'sex']] as const) {
      expect(suggestMapping([h], 'contacts').template.fields[field]?.column, h).toBe(h);
    }
  });

  it('splits a lone full-name column into first and last', () => {
    const s = suggestMapping(['MRN', 'Patient Name'], 'contacts');
    expect(s.template.fields).toMatchObject({
      fullName: { column: 'Patient Name' },
      firstName: { column: 'Patient Name', transforms: [{ type: 'split', part: 'first' }] },
      lastName: { column: 'Patient Name', transforms: [{ type: 'split', part: 'last' }] },
    });
  });

  it('warns (notes) when no EMR id column exists and on ambiguous dates', () => {
    const s = suggestMapping(['First', 'Last', 'DOB'], 'contacts', [['A', 'B', '01/02/1990']]);
    expect(s.notes.join('\n')).toMatch(/No EMR id column/);
    expect(s.notes.join('\n')).toMatch(/DOB: dates fit both/);
  });

  it('appointments: date + time columns become start, participants and type map', () => {
    const s = suggestMapping(['Appointment ID', 'Patient ID', 'Reason', 'Date', 'Time', 'Duration', 'Visit type', 'Patient name', 'Patient email', 'Fee'],
      'appointments', [['A1', 'P1', 'Follow-up', '15/01/2024', '14:30', '30', 'Video', 'Ann Lee', 'a@x.org', '75']]);
    expect(s.template.fields).toMatchObject({
      emrId: { column: 'Appointment ID' },
      patientEmrId: { column: 'Patient ID' },
      title: { column: 'Reason' },
      start: { columns: ['Date', 'Time'], transforms: [{ type: 'datetime', dateFormat: 'DD/MM/YYYY' }] },
      duration: { column: 'Duration' },
      type: { column: 'Visit type', transforms: [{ type: 'value-map', preset: 'appointment-type' }] },
      'participants.name': { column: 'Patient name' },
      'participants.email': { column: 'Patient email' },
      'participants.fee': { column: 'Fee' },
    });
  });

  it('detectDateFormat disambiguates slash dates from the samples', () => {
    expect(detectDateFormat(['12/31/1980', '01/02/1990'])).toEqual({ format: 'MM/DD/YYYY', ambiguous: false });
    expect(detectDateFormat(['31/12/1980'])).toEqual({ format: 'DD/MM/YYYY', ambiguous: false });
    expect(detectDateFormat(['19800131'])).toEqual({ format: 'YYYYMMDD', ambiguous: false });
    expect(detectDateFormat(['yesterday'])).toBeUndefined();
  });
});
