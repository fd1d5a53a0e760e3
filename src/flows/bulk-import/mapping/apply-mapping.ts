/**
 * Turns a template + a header into a function over cell arrays. Column indexes, transform
 * closures and constants are resolved once; per row the only allocation is the record (and an
 * issues array when something fails). Isomorphic: the browser runs it on papaparse rows for
 * instant feedback, the server on csv-parse rows for the decision that counts.
 */
import type { ImportRecord } from './import-record.js';
import { findColumnIndex } from './normalise-header.js';
import type { FieldMapping, MappingTemplate } from './template.js';
import {
  compileTransforms, DEFAULT_JOIN, isFailure, runScalars, type MappingIssueCode,
  type ScalarTransform, type TransformFailure,
} from './transforms.js';

export interface MappingIssue {
  readonly field: string;
  /** The column(s) the value came from, joined with ' + '. */
  readonly column?: string;
  readonly code: MappingIssueCode;
  readonly message: string;
}

export interface MappingResult {
  readonly record: ImportRecord;
  readonly errors: readonly MappingIssue[];
}

export interface CompiledMapping {
  readonly template: MappingTemplate;
  readonly header: readonly string[];
  /** Record keys in the order the record is built. */
  readonly fields: readonly string[];
  /** Columns the template reads that the header lacks. */
  readonly missingColumns: readonly string[];
  /** Columns that match several header cells once case/accents/spaces are ignored. */
  readonly ambiguousColumns: readonly string[];
  /** Source column(s) of a field, for error reports. */
  columnOf(field: string): string | undefined;
  map(cells: readonly string[]): MappingResult;
}

type FieldRunner = (cells: readonly string[]) => string | TransformFailure;

const NO_ISSUES: readonly MappingIssue[] = Object.freeze([]);

function compileField(
  mapping: FieldMapping, header: readonly string[], trim: boolean, timeZone: string | undefined,
  missing: Set<string>, ambiguous: Set<string>,
): FieldRunner {
  const compiled = compileTransforms(mapping.transforms, timeZone !== undefined ? { timeZone } : {});
  if (mapping.constant !== undefined) {
    // A constant goes through its transforms once, at compile time.
    const scalars: ScalarTransform[] = [...compiled.before];
    if (compiled.combine) {
      const c = compiled.combine;
      scalars.push((v) => c([v]));
    }
    scalars.push(...compiled.after);
    const value = runScalars(scalars, trim ? mapping.constant.trim() : mapping.constant);
    return () => value;
  }
  const names = mapping.columns ?? (mapping.column !== undefined ? [mapping.column] : []);
  const indexes = names.map((name) => {
    const i = findColumnIndex(header, name);
    if (i === -1) missing.add(name);
    if (i === -2) ambiguous.add(name);
    return i;
  });
  const read = (cells: readonly string[], i: number): string => {
    if (i < 0) return '';
    const c = cells[i];
    if (c === undefined) return '';
    return trim ? c.trim() : c;
  };
  if (indexes.length === 1) {
    const index = indexes[0]!;
    const scalars: ScalarTransform[] = [...compiled.before];
    if (compiled.combine) {
      const c = compiled.combine;
      scalars.push((v) => c([v]));
    }
    scalars.push(...compiled.after);
    if (scalars.length === 0) return (cells) => read(cells, index);
    if (scalars.length === 1) {
      const only = scalars[0]!;
      return (cells) => only(read(cells, index));
    }
    return (cells) => runScalars(scalars, read(cells, index));
  }
  const { before, after } = compiled;
  const combine = compiled.combine ?? DEFAULT_JOIN;
  return (cells) => {
    const values: string[] = new Array<string>(indexes.length);
    for (let k = 0; k < indexes.length; k++) {
      const v = runScalars(before, read(cells, indexes[k]!));
      if (isFailure(v)) return v;
      values[k] = v;
    }
    const joined = combine(values);
    return isFailure(joined) ? joined : runScalars(after, joined);
  };
}

/** Compiles `template` for files whose header is `header`. */
export function compileMapping(template: MappingTemplate, header: readonly string[]): CompiledMapping {
  const opts = template.options ?? {};
  const trim = opts.trimCells !== false;
  const missing = new Set<string>();
  const ambiguous = new Set<string>();
  const fields: string[] = [];
  const runners: FieldRunner[] = [];
  const columnLabels = new Map<string, string>();
  for (const [field, mapping] of Object.entries(template.fields)) {
    fields.push(field);
    runners.push(compileField(mapping, header, trim, opts.timeZone, missing, ambiguous));
    const names = mapping.columns ?? (mapping.column !== undefined ? [mapping.column] : []);
    if (names.length > 0) columnLabels.set(field, names.join(' + '));
  }
  const deriveFullName = template.recordType === 'contacts'
    && template.fields.fullName === undefined
    && opts.deriveFullName !== false;
  if (deriveFullName) {
    const sources = ['firstName', 'lastName'].map((f) => columnLabels.get(f)).filter((c) => c !== undefined);
    if (sources.length > 0) columnLabels.set('fullName', sources.join(' + '));
    fields.push('fullName');
  }
  const n = runners.length;
  const fieldNames = fields.slice(0, n);

  function map(cells: readonly string[]): MappingResult {
    const record: ImportRecord = {};
    let errors: MappingIssue[] | null = null;
    for (let i = 0; i < n; i++) {
      const v = runners[i]!(cells);
      const field = fieldNames[i]!;
      if (typeof v === 'string') {
        record[field] = v;
      } else {
        record[field] = '';
        errors ??= [];
        const column = columnLabels.get(field);
        errors.push(column !== undefined
          ? { field, column, code: v.code, message: `${field} ${v.message}` }
          : { field, code: v.code, message: `${field} ${v.message}` });
      }
    }
    if (deriveFullName) {
      const first = record.firstName ?? '';
      const last = record.lastName ?? '';
      record.fullName = first === '' ? last : last === '' ? first : `${first} ${last}`;
    }
    return { record, errors: errors ?? NO_ISSUES };
  }

  return {
    template,
    header,
    fields,
    missingColumns: [...missing],
    ambiguousColumns: [...ambiguous],
    columnOf: (field) => columnLabels.get(field) ?? columnLabels.get(field.replace(/\[\d+\]$/, '')),
    map,
  };
}

const cache = new WeakMap<MappingTemplate, CompiledMapping>();

/**
 * One-off mapping of a row. Compiles on first use and reuses the compiled form while the same
 * template object and header array are passed (the usual loop); hot loops should hold on to
 * `compileMapping(...)` themselves.
 */
export function applyMapping(template: MappingTemplate, header: readonly string[], cells: readonly string[]): MappingResult {
  let compiled = cache.get(template);
  if (!compiled || compiled.header !== header) {
    compiled = compileMapping(template, header);
    cache.set(template, compiled);
  }
  return compiled.map(cells);
}
