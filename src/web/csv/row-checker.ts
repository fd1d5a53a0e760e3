/**
 * Thin adapter between the worker and the shared bulk-import mapping/validation modules
 * (src/flows/bulk-import): the worker only needs "check this row" and "suggest a mapping".
 * TEMPORARY: uses compileMapping until the shared validator lands.
 */
import type { RecordType } from '../../domain/identifiers.js';
import { compileMapping } from '../../flows/bulk-import/mapping/apply-mapping.js';
import type { MappingTemplate } from '../../flows/bulk-import/mapping/template.js';
import type { CsvRow } from './read-csv-stream.js';
import type { RowProblem } from './worker-protocol.js';

export type RowChecker = (row: CsvRow) => RowProblem | null;

export function createRowChecker(
  template: MappingTemplate, _recordType: RecordType, header: string[], formFields: string[],
): RowChecker {
  const compiled = compileMapping(template, header);
  const skip = new Set(formFields);
  return (row) => {
    const { errors } = compiled.map(row.cells);
    if (errors.length === 0) return null;
    const kept = errors.filter((e) => !skip.has(e.field));
    if (kept.length === 0) return null;
    return { line: row.line, errors: kept.map((e) => ({ field: e.field, column: e.column, code: e.code, message: e.message })) };
  };
}

export function suggestTemplate(_header: string[], recordType: RecordType, _sample: string[][]): MappingTemplate {
  return { version: 1, recordType, fields: {} };
}
