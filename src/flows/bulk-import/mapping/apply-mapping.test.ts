import { describe, expect, it } from 'vitest';
import { applyMapping, compileMapping } from './apply-mapping.js';
import { parseMappingTemplate, templateColumns, type MappingTemplate } from './template.js';

const header = ['MRN', 'Last, First', 'Birth', 'Sex', 'Mail', 'Clinic'];
const template: MappingTemplate = {
  version: 1,
  recordType: 'contacts',
  fields: {
    emrId: { column: 'mrn' },
    firstName: { column: 'Last, First', transforms: [{ type: 'split', part: 'first' }, { type: 'title' }] },
    lastName: { column: 'Last, First', transforms: [{ type: 'split', part: 'last' }, { type: 'title' }] },
    birthDate: { column: 'Birth', transforms: [{ type: 'date', format: 'DD.MM.YYYY' }] },
    sex: { column: 'Sex', transforms: [{ type: 'value-map', preset: 'sex' }] },
    email: { column: 'Mail', transforms: [{ type: 'lower' }] },
    division: { column: 'Clinic', transforms: [{ type: 'default', value: 'https://api.oncallhealth.ca/divisions/1/' }] },
    'customFields.12': { constant: 'bulk-2024' },
  },
};

describe('compileMapping / applyMapping', () => {
  it('maps a row: column lookup ignores case, transforms chain, fullName is derived', () => {
    const { record, errors } = applyMapping(template, header, ['  A-17 ', 'LEE, ANN', '04.03.1980', 'W', 'Ann@X.org', '']);
    expect(errors).toEqual([]);
    expect(record).toEqual({
      emrId: 'A-17', firstName: 'Ann', lastName: 'Lee', birthDate: '1980-03-04', sex: 'female', email: 'ann@x.org',
      division: 'https://api.oncallhealth.ca/divisions/1/', 'customFields.12': 'bulk-2024', fullName: 'Ann Lee',
    });
  });

  it('reports a failed transform with field, column and a value-free message; the field is emptied', () => {
    const { record, errors } = applyMapping(template, header, ['1', 'Lee, Ann', '30.02.1980', 'F', '', '']);
    expect(record.birthDate).toBe('');
    expect(errors).toEqual([{ field: 'birthDate', column: 'Birth', code: 'impossible-date', message: 'birthDate is not a real calendar date' }]);
  });

  it('lists missing and ambiguous columns once, at compile time', () => {
    const c = compileMapping(template, ['MRN', 'Birth', 'birth']);
    expect(c.missingColumns).toEqual(['Last, First', 'Sex', 'Mail', 'Clinic']);
    expect(compileMapping({ ...template, fields: { emrId: { column: 'patient id' } } }, ['Patient_ID', 'PATIENT ID']).ambiguousColumns).toEqual(['patient id']);
    // Missing columns read as empty cells rather than throwing.
    expect(c.map(['7', '01.01.2000']).record.emrId).toBe('7');
  });

  it('several columns without a combiner are joined with a space; columnOf names them', () => {
    const t: MappingTemplate = { version: 1, recordType: 'contacts', fields: { fullName: { columns: ['First', 'Middle', 'Last'] } } };
    const c = compileMapping(t, ['First', 'Middle', 'Last']);
    expect(c.map(['Ann', '', 'Lee']).record).toEqual({ fullName: 'Ann Lee' });
    expect(c.columnOf('fullName')).toBe('First + Middle + Last');
  });

  it('keeps cells untrimmed when trimCells is false and does not derive fullName when told not to', () => {
    const t: MappingTemplate = { version: 1, recordType: 'contacts', fields: { firstName: { column: 'F' } }, options: { trimCells: false, deriveFullName: false } };
    expect(applyMapping(t, ['F'], [' Ann ']).record).toEqual({ firstName: ' Ann ' });
  });

  it('reuses the compiled form for the same template and header', () => {
    const h = ['MRN'];
    const t: MappingTemplate = { version: 1, recordType: 'contacts', fields: { emrId: { column: 'MRN' } } };
    expect(applyMapping(t, h, ['1']).record.emrId).toBe('1');
    expect(applyMapping(t, h, ['2']).record.emrId).toBe('2');
    expect(applyMapping(t, ['x', 'MRN'], ['', '3']).record.emrId).toBe('3');
  });
});

describe('mappingTemplateSchema', () => {
  it('accepts a valid template and lists its columns', () => {
    const r = parseMappingTemplate(template);
    expect(r.ok).toBe(true);
    expect(templateColumns(template)).toEqual(['mrn', 'Last, First', 'Birth', 'Sex', 'Mail', 'Clinic']);
  });

  it('rejects unknown fields, double sources, bad zones, bad transforms, long metadata keys', () => {
    const r = parseMappingTemplate({
      version: 1, recordType: 'appointments',
      fields: {
        nickname: { column: 'x' },
        title: { column: 'T', constant: 'Visit' },
        start: { column: 'S', transforms: [{ type: 'datetime', timeZone: 'Mars/Olympus' }] },
        type: { column: 'Y', transforms: [{ type: 'value-map' }] },
        [`metadata.${'k'.repeat(101)}`]: { column: 'M' },
      },
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = r.issues.map((i) => `${i.path}: ${i.message}`).join('\n');
    expect(text).toContain('fields.nickname: unknown appointments field "nickname"');
    expect(text).toContain('fields.title: give exactly one of column, columns or constant');
    expect(text).toContain('unknown IANA time zone');
    expect(text).toContain('value-map needs a map or a preset');
    expect(text).toContain('metadata key longer than 100 characters');
  });

  it('rejects a version it does not know', () => {
    expect(parseMappingTemplate({ version: 2, recordType: 'contacts', fields: {} }).ok).toBe(false);
  });
});
