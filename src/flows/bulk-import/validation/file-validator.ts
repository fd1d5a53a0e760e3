/**
 * Validates a whole file row by row, in one pass, with state only for what spans rows:
 * EMR ids already seen (duplicates: the FIRST occurrence is kept, later ones are errors naming
 * its line, whatever other errors the first one has — the rule stays predictable for staff who
 * fix and re-upload) and counters for the summary. Isomorphic: the web worker and the server
 * feed it the same rows and get the same verdicts.
 */
import type { RecordType } from '../../../domain/identifiers.js';
import { compileMapping, type CompiledMapping } from '../mapping/apply-mapping.js';
import type { ImportRecord } from '../mapping/import-record.js';
import { duplicateColumns } from '../mapping/normalise-header.js';
import type { MappingTemplate } from '../mapping/template.js';
import { templateColumns } from '../mapping/template.js';
import { EmrIdIndex } from './emr-id-index.js';
import type { ValidationCode, ValidationIssue } from './issues.js';
import { rowKey, type RowKey } from './row-key.js';
import { validateRecord, type ValidationContext } from './validate-record.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export interface FileRow {
  /** Physical line where the CSV record starts (1 = header). */
  readonly line: number;
  readonly cells: readonly string[];
}

export interface RowValidation {
  readonly line: number;
  readonly key: RowKey;
  readonly record: ImportRecord;
  /** Errors and warnings, mapping problems first. */
  readonly errors: readonly ValidationIssue[];
  /** No issue of severity `error`: the row can be imported. */
  readonly ok: boolean;
}

export interface HeaderIssue {
  readonly code: 'missing-columns' | 'ambiguous-columns' | 'duplicate-columns';
  readonly columns: readonly string[];
  readonly message: string;
}

export interface FileValidationSummary {
  readonly rows: number;
  readonly okRows: number;
  readonly rowsWithErrors: number;
  readonly rowsWithWarnings: number;
  readonly duplicates: number;
  /** Issue count per code (for "312 rows: birthDate is not a real calendar date"). */
  readonly issuesByCode: Readonly<Record<string, number>>;
}

export interface FileValidator {
  readonly recordType: RecordType;
  /** Declares the header; returns problems that make the mapping unusable (fatal). */
  header(columns: readonly string[]): HeaderIssue[];
  row(row: FileRow): RowValidation;
  summary(): FileValidationSummary;
}

export interface FileValidatorOptions {
  /** The header, when known up front (same as calling `header()`). */
  readonly header?: readonly string[];
  /** Today as YYYY-MM-DD, for "birth date in the future" (tests pin it). */
  readonly today?: string;
}

export function createFileValidator(
  template: MappingTemplate, recordType: RecordType = template.recordType, options: FileValidatorOptions = {},
): FileValidator {
  if (template.recordType !== recordType) {
    throw new Error(`mapping template is for ${template.recordType}, not ${recordType}`);
  }
  let compiled: CompiledMapping | null = null;
  const firstLineOfEmrId = new EmrIdIndex();
  const issuesByCode: Record<string, number> = {};
  let rows = 0, okRows = 0, rowsWithErrors = 0, rowsWithWarnings = 0, duplicates = 0;
  const columnOf = (field: string): string | undefined => compiled?.columnOf(field);
  const mappingOptions = template.options ?? {};
  const ctx: Mutable<ValidationContext> = {
    line: 0, columnOf, options: mappingOptions, dynamicFields: [],
    ...(options.today !== undefined ? { today: options.today } : {}),
  };

  function header(columns: readonly string[]): HeaderIssue[] {
    compiled = compileMapping(template, columns);
    ctx.dynamicFields = compiled.fields.filter((f) => f.startsWith('customFields.') || f.startsWith('metadata.'));
    const issues: HeaderIssue[] = [];
    if (compiled.missingColumns.length > 0) {
      issues.push({ code: 'missing-columns', columns: compiled.missingColumns,
        message: `the file has no column named ${compiled.missingColumns.map((c) => `"${c}"`).join(', ')} (required by the mapping)` });
    }
    if (compiled.ambiguousColumns.length > 0) {
      issues.push({ code: 'ambiguous-columns', columns: compiled.ambiguousColumns,
        message: `several columns match ${compiled.ambiguousColumns.map((c) => `"${c}"`).join(', ')}; rename them or use the exact header` });
    }
    const used = new Set(templateColumns(template));
    const dupes = duplicateColumns(columns).filter((c) => used.has(c));
    if (dupes.length > 0) {
      issues.push({ code: 'duplicate-columns', columns: dupes,
        message: `the columns ${dupes.map((c) => `"${c}"`).join(', ')} appear more than once` });
    }
    return issues;
  }
  if (options.header) header(options.header);

  function count(code: ValidationCode): void {
    issuesByCode[code] = (issuesByCode[code] ?? 0) + 1;
  }

  function row({ line, cells }: FileRow): RowValidation {
    if (!compiled) throw new Error('createFileValidator: call header() before row()');
    rows++;
    const mapped = compiled.map(cells);
    const record = mapped.record;
    // One context object reused for every row: no per-row allocation for it.
    ctx.line = line;
    ctx.skipFields = mapped.errors.length > 0 ? mapped.errors.map((e) => e.field) : undefined;
    const issues = validateRecord(record, recordType, ctx);
    let errors: ValidationIssue[] = issues;
    if (mapped.errors.length > 0) {
      errors = mapped.errors.map((e): ValidationIssue => ({ line, ...e, severity: 'error' }));
      errors.push(...issues);
    }
    const emrId = record.emrId ?? '';
    if (emrId !== '') {
      const first = firstLineOfEmrId.firstLineOrAdd(emrId, line);
      if (first !== -1) {
        duplicates++;
        const column = columnOf('emrId');
        errors.push({
          line, field: 'emrId', ...(column !== undefined ? { column } : {}), code: 'duplicate-emr-id', severity: 'error',
          message: `emrId already used on line ${first}; the first occurrence is kept`,
        });
      }
    }
    let hasError = false;
    let hasWarning = false;
    for (const e of errors) {
      count(e.code);
      if (e.severity === 'error') hasError = true;
      else hasWarning = true;
    }
    if (hasError) rowsWithErrors++;
    else okRows++;
    if (hasWarning) rowsWithWarnings++;
    return { line, key: rowKey(record), record, errors, ok: !hasError };
  }

  return {
    recordType,
    header,
    row,
    summary: () => ({ rows, okRows, rowsWithErrors, rowsWithWarnings, duplicates, issuesByCode: { ...issuesByCode } }),
  };
}
