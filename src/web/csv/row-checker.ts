/**
 * Thin adapter between the worker and the shared bulk-import modules: the worker asks
 * "check this row" and "suggest a mapping"; the answers come from the same validator and
 * suggester the server uses (src/flows/bulk-import), so the browser's verdict is the server's.
 *
 * The one rule added here is structural: a line whose cell count differs from the header's is
 * refused, as the server's CSV reader does (csv-text-parser.ts, `wrong-cell-count`).
 */
import type { RecordType } from '../../domain/identifiers.js';
import { suggestMapping } from '../../flows/bulk-import/mapping/suggest-mapping.js';
import type { MappingTemplate } from '../../flows/bulk-import/mapping/template.js';
import { createFileValidator, type HeaderIssue } from '../../flows/bulk-import/validation/file-validator.js';
import type { CsvRow } from './read-csv-stream.js';
import { lineEmrId, lineName } from '../../flows/bulk-import/change-preview-line.js';
import type { RowProblem } from './worker-protocol.js';

export type RowChecker = ((row: CsvRow) => RowProblem | null) & { headerIssues: readonly HeaderIssue[] };

export function createRowChecker(
  template: MappingTemplate, recordType: RecordType, header: string[], formFields: readonly string[],
): RowChecker {
  const validator = createFileValidator(template, recordType);
  const headerIssues = validator.header(header);
  const skip = new Set(formFields);
  const width = header.length;
  const check = (row: CsvRow): RowProblem | null => {
    let cells = row.cells;
    if (cells.length !== width) {
      const extraEmpty = cells.length > width && cells.slice(width).every((c) => c === '');
      if (!extraEmpty) {
        return {
          line: row.line,
          cells: row.cells,
          errors: [{
            field: '', code: 'wrong-cell-count',
            message: `The line has ${cells.length} values but the header has ${width} columns`,
          }],
        };
      }
      cells = cells.slice(0, width);
    }
    const v = validator.row({ line: row.line, cells });
    if (v.ok) return null;
    const errors = [];
    for (const e of v.errors) {
      if (skip.has(e.field)) continue;
      const at = e.column === undefined ? -1 : header.indexOf(e.column);
      errors.push({ field: e.field, column: e.column, code: e.code, message: e.message, severity: e.severity, ...(at >= 0 ? { value: cells[at] ?? '' } : {}) });
    }
    if (!errors.some((e) => e.severity === 'error')) return null;
    return { line: row.line, name: lineName(recordType, v.record), emrId: lineEmrId(v.record), cells: row.cells, errors };
  };
  return Object.assign(check, { headerIssues });
}

export function suggestTemplate(header: string[], recordType: RecordType, sample: string[][]): MappingTemplate {
  return suggestMapping(header, recordType, sample).template;
}
