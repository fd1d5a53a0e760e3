import { describe, expect, it } from 'vitest';
import { compileMapping } from '../../flows/bulk-import/mapping/apply-mapping.js';
import type { FieldMapping } from '../../flows/bulk-import/mapping/template.js';
import { describeChanges, fromEdit, toEdit } from './field-edit-model.js';

describe('field edit model', () => {
  it('round-trips the mappings the suggester produces', () => {
    const samples: FieldMapping[] = [
      { column: 'FIRST', transforms: [{ type: 'strip-digits' }] },
      { column: 'GENDER', transforms: [{ type: 'value-map', preset: 'sex' }] },
      { column: 'BIRTHDATE', transforms: [{ type: 'date', format: 'DD/MM/YYYY' }] },
      { columns: ['Date', 'Time'], transforms: [{ type: 'datetime', dateFormat: 'DD/MM/YYYY', timeZone: 'Europe/Paris' }] },
      { column: 'Name', transforms: [{ type: 'strip-digits' }, { type: 'split', part: 'last' }] },
      { constant: 'online' },
      { column: 'Tel', transforms: [{ type: 'phone', defaultCountry: 'GB' }] },
    ];
    for (const m of samples) expect(fromEdit(toEdit(m))).toEqual(m);
  });

  it('writes ticked clean-ups in a fixed order that the shared mapper runs as shown', () => {
    const edit = toEdit({ column: 'Patient' });
    edit.title = true;
    edit.split = 'first';
    edit.stripDigits = true;
    edit.defaultValue = 'Unknown';
    const m = fromEdit(edit)!;
    expect(m.transforms?.map((t) => t.type)).toEqual(['strip-digits', 'split', 'title', 'default']);
    const compiled = compileMapping({ version: 1, recordType: 'contacts', fields: { firstName: m } }, ['Patient']);
    expect(compiled.map(['jean-PAUL12 SMITH34']).record.firstName).toBe('Jean-Paul');
    expect(compiled.map(['']).record.firstName).toBe('Unknown');
  });

  it('keeps own translations next to the preset and joins columns with the chosen separator', () => {
    const edit = toEdit({ column: 'SEX', transforms: [{ type: 'value-map', preset: 'sex' }] });
    edit.valueMap.pairs = [['9', 'unknown'], [' ', 'x']];
    expect(fromEdit(edit)).toEqual({ column: 'SEX', transforms: [{ type: 'value-map', preset: 'sex', map: { 9: 'unknown' } }] });

    const joined = toEdit(undefined);
    joined.source = 'columns';
    joined.columns = ['LAST', 'FIRST'];
    joined.separator = ', ';
    expect(fromEdit(joined)).toEqual({ columns: ['LAST', 'FIRST'], transforms: [{ type: 'join', separator: ', ' }] });
    expect(describeChanges(fromEdit(joined))).toEqual(['Combines 2 columns']);
  });

  it('leaves the field out when no column is chosen', () => {
    const edit = toEdit(undefined);
    edit.source = 'column';
    expect(fromEdit(edit)).toBeUndefined();
  });
});
