import { createReadStream, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCsvStream } from '../csv/parse-csv-stream.js';
import { parseMappingTemplate, templateColumns, type MappingTemplate } from '../mapping/template.js';
import { createFileValidator, type RowValidation } from './file-validator.js';

const examplePath = fileURLToPath(new URL('../../../../examples/mappings/synthea-patients-contacts.json', import.meta.url));
const SYNTHEA = '/work/shared/data/synthea/patients.csv';

function loadExample(): MappingTemplate {
  const parsed = parseMappingTemplate(JSON.parse(readFileSync(examplePath, 'utf8')));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.template;
}

describe('createFileValidator', () => {
  const template: MappingTemplate = {
    version: 1, recordType: 'contacts',
    fields: {
      emrId: { column: 'MRN' },
      firstName: { column: 'First' },
      lastName: { column: 'Last' },
      birthDate: { column: 'DOB', transforms: [{ type: 'date', format: 'DD/MM/YYYY' }] },
      email: { column: 'Email' },
    },
  };
  const header = ['MRN', 'First', 'Last', 'DOB', 'Email'];

  it('keeps the first occurrence of an EMR id and names its line on later ones', () => {
    const v = createFileValidator(template, 'contacts', { header, today: '2025-01-01' });
    const a = v.row({ line: 2, cells: ['M1', 'Ann', 'Lee', '01/02/1980', 'ann@x.org'] });
    const b = v.row({ line: 3, cells: ['M2', 'Bob', 'Roy', '', ''] });
    const c = v.row({ line: 5, cells: ['M1', 'Ann', 'Lee', '01/02/1980', 'ann@x.org'] });
    expect([a.ok, b.ok, c.ok]).toEqual([true, true, false]);
    expect(c.errors).toEqual([{
      line: 5, field: 'emrId', column: 'MRN', code: 'duplicate-emr-id', severity: 'error',
      message: 'emrId already used on line 2; the first occurrence is kept',
    }]);
    expect(c.key).toEqual({ kind: 'emr-id', value: 'M1' });
    expect(v.summary()).toMatchObject({ rows: 3, okRows: 2, rowsWithErrors: 1, duplicates: 1, issuesByCode: { 'duplicate-emr-id': 1 } });
  });

  it('reports a mapping failure once, with line and column, and validation errors after it', () => {
    const v = createFileValidator(template, 'contacts', { header, today: '2025-01-01' });
    const r = v.row({ line: 9, cells: ['', '', '', '31/02/1980', 'x@'] });
    expect(r.errors.map((e) => [e.line, e.field, e.column, e.code, e.severity])).toEqual([
      [9, 'birthDate', 'DOB', 'impossible-date', 'error'],
      [9, 'emrId', 'MRN', 'emr-id-missing', 'warning'],
      [9, 'fullName', 'First + Last', 'required', 'error'],
      [9, 'email', 'Email', 'invalid-email', 'error'],
    ]);
    expect(r.key.kind).toBe('content');
  });

  it('header(): missing, ambiguous and duplicated columns the mapping reads', () => {
    const v = createFileValidator(template);
    expect(v.header(['MRN', 'First', 'First', 'dob', 'DOB '])).toEqual([
      { code: 'missing-columns', columns: ['Last', 'Email'], message: 'the file has no column named "Last", "Email" (required by the mapping)' },
      { code: 'ambiguous-columns', columns: ['DOB'], message: 'several columns match "DOB"; rename them or use the exact header' },
      { code: 'duplicate-columns', columns: ['First'], message: 'the columns "First" appear more than once' },
    ]);
    expect(() => createFileValidator(template, 'appointments')).toThrow(/for contacts, not appointments/);
  });

  it('validates the whole Synthea export through the streaming CSV reader with the example template', async () => {
    const t = loadExample();
    const v = createFileValidator(t, 'contacts', { today: '2025-01-01' });
    const results: RowValidation[] = [];
    for await (const ev of parseCsvStream(createReadStream(SYNTHEA), { requiredColumns: templateColumns(t) })) {
      if (ev.kind === 'header') expect(v.header(ev.columns)).toEqual([]);
      else if (ev.kind === 'row') results.push(v.row(ev));
      else if (ev.kind !== 'end') throw new Error(`${ev.kind}: ${'message' in ev ? ev.message : ''}`);
    }
    expect(results).toHaveLength(543);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results[0]).toMatchObject({
      line: 2,
      key: { kind: 'emr-id', value: '6310efc1-0a81-76ce-bcdc-8f2995ff9fee' },
      record: { firstName: 'Marcell', lastName: 'VonRueden', fullName: 'Marcell VonRueden', birthDate: '2006-09-06', sex: 'female', division: 'https://api.oncallhealth.ca/divisions/1/' },
    });
    expect(results.every((r) => !/\d/.test(r.record.fullName ?? ''))).toBe(true);
  });
});

describe('isomorphic modules', () => {
  it('mapping/ and validation/ import nothing from Node (they run in the browser bundle)', () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const offenders: string[] = [];
    for (const dir of ['mapping', 'validation']) {
      for (const f of readdirSync(join(root, dir))) {
        if (!f.endsWith('.ts') || f.endsWith('.test.ts')) continue;
        const src = readFileSync(join(root, dir, f), 'utf8');
        if (/from ['"](node:|fs|path|crypto|stream|buffer)['"/]/.test(src) || /\bBuffer\.|\bprocess\.|\brequire\(/.test(src)) offenders.push(`${dir}/${f}`);
      }
    }
    for (const f of ['detect-encoding.ts', 'sniff-delimiter.ts', 'formula-cells.ts', 'record-framer.ts']) {
      const src = readFileSync(join(root, 'csv', f), 'utf8');
      if (/from ['"]node:|\bBuffer\.|\bprocess\./.test(src)) offenders.push(`csv/${f}`);
    }
    expect(offenders).toEqual([]);
  });
});
