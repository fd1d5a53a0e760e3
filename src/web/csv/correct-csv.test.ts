import { describe, expect, it } from 'vitest';
import { correctedCsv, correctedCsvParts, correctedFileName } from './correct-csv.js';

const reader = (text: string) => new Blob([text]).stream().getReader();

describe('correctedCsv: the file with the cells corrected on the page', () => {
  it('changes only the corrected cells, keeps the delimiter, quotes and line numbers', async () => {
    const text = 'id;name;dob\nA1;"Smith; John";1980-02-30\n\nA2;Jane;1990-01-01\nA3;"Multi\nline";19x\n';
    const fixes = new Map([[2, new Map([['dob', '1980-02-28']])], [5, new Map([['dob', '1970-01-01'], ['nope', 'x']])]]);
    const out = (await correctedCsvParts(reader(text), fixes)).join('');
    expect(out).toBe('id;name;dob\nA1;Smith; John;1980-02-28\n\nA2;Jane;1990-01-01\nA3;"Multi\nline";1970-01-01\n'.replace('Smith; John', '"Smith; John"'));
    expect(out.split('\n')[3]).toBe('A2;Jane;1990-01-01');
  });

  it('gives a Blob and a file name that says it was corrected', async () => {
    const blob = await correctedCsv(new Blob(['a,b\n1,2\n']), new Map([[2, new Map([['b', '=3']])]]));
    expect(await blob.text()).toBe('a,b\n1,=3\n');
    expect(correctedFileName('patients.csv')).toBe('patients (corrected).csv');
    expect(correctedFileName('patients (corrected).csv')).toBe('patients (corrected).csv');
    expect(correctedFileName('export')).toBe('export (corrected).csv');
  });
});
