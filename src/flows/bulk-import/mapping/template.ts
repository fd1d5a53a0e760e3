/**
 * The mapping template: which CSV column(s) feed which record field, through which transforms.
 * Saved as JSON (docs/mapping-format.md), edited in the web UI, re-checked on the server with
 * the same zod schema. Isomorphic.
 */
import { z } from 'zod';
import { RECORD_TYPES, type RecordType } from '../../../domain/identifiers.js';
import { DATE_FORMATS, isValidTimeZone, type DateFormat } from './dates.js';
import { fieldDefinition } from './fields.js';
import { ONCALL_LIMITS } from './oncall-limits.js';
import { PHONE_COUNTRIES, type PhoneCountry } from './phone.js';

export type Transform =
  | { type: 'trim' }
  | { type: 'upper' }
  | { type: 'lower' }
  | { type: 'title' }
  /** Combines the values of `columns` (empty ones skipped) with `separator` (default ' '). */
  | { type: 'join'; separator?: string }
  /** Takes the first or last name out of a full name ("Last, First" or "First Middle Last"). */
  | { type: 'split'; part: 'first' | 'last'; style?: 'auto' | 'last-first' | 'first-last' }
  /**
   * Replaces whole values, case- and accent-insensitively unless `caseSensitive`. `preset: 'sex'`
   * starts from the built-in M/F/H/W/... map, `map` entries override it. Values not in the map are
   * kept (`otherwise: 'keep'`, validation then judges them) or emptied (`'empty'`).
   */
  | { type: 'value-map'; map?: Record<string, string>; preset?: 'sex' | 'appointment-type'; caseSensitive?: boolean; otherwise?: 'keep' | 'empty' }
  /** Reads a date in `format` and writes YYYY-MM-DD. */
  | { type: 'date'; format: DateFormat }
  /**
   * Builds an ISO 8601 date-time: from one column (ISO, or `dateFormat` + ' ' + time) or from two
   * (date, time). Values without an offset are read in `timeZone` (or options.timeZone).
   */
  | { type: 'datetime'; dateFormat?: DateFormat; timeZone?: string }
  | { type: 'phone'; defaultCountry?: PhoneCountry }
  /** Removes digits from names (Synthea appends numbers: "Marcell728"). */
  | { type: 'strip-digits' }
  /** A constant when the value is empty (e.g. the file's division when a row has none). */
  | { type: 'default'; value: string };

export type TransformType = Transform['type'];

export interface FieldMapping {
  column?: string;
  /** Several columns, combined by a `join` or `datetime` transform (else joined with ' '). */
  columns?: string[];
  /** The same value on every row (division, provider, appointment type...). */
  constant?: string;
  transforms?: Transform[];
}

export interface MappingOptions {
  /** Trim spaces around every cell before transforms (default true). */
  trimCells?: boolean;
  /** Separator of several participants in one cell: 'auto' splits on ';' and '|' (default). */
  participantSeparator?: 'auto' | ';' | '|';
  /** Metadata key holding an appointment's EMR id (default 'emr_id'). */
  emrIdMetadataKey?: string;
  /** IANA zone for date-times written without an offset (e.g. 'America/Toronto'). */
  timeZone?: string;
  /** Contacts: build fullName from first + last when fullName is not mapped (default true). */
  deriveFullName?: boolean;
  /**
   * Saved with a matching in the wizard: records already on the platform are updated (true) or
   * left as they are (false, the default, as the CLI without --update). A run's own choice wins.
   */
  updateExisting?: boolean;
  /**
   * Appointments pulled from the EMR: a patient with no e-mail becomes a participant with
   * `"provider"` (the run's OnCall provider's e-mail; the default for pulled appointments), this
   * e-mail address (a clinic's front desk), or `"none"` (the appointment is left out).
   * CSV imports ignore it. See docs/mapping-format.md, "Patients without an e-mail".
   */
  participantEmailFallback?: 'provider' | 'none' | (string & {});
}

export interface MappingTemplate {
  version: 1;
  recordType: RecordType;
  name?: string;
  description?: string;
  fields: Record<string, FieldMapping>;
  options?: MappingOptions;
}

const transformSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('trim') }),
  z.object({ type: z.literal('upper') }),
  z.object({ type: z.literal('lower') }),
  z.object({ type: z.literal('title') }),
  z.object({ type: z.literal('join'), separator: z.string().max(16).optional() }),
  z.object({
    type: z.literal('split'),
    part: z.enum(['first', 'last']),
    style: z.enum(['auto', 'last-first', 'first-last']).optional(),
  }),
  z.object({
    type: z.literal('value-map'),
    map: z.record(z.string().max(200), z.string().max(200)).optional(),
    preset: z.enum(['sex', 'appointment-type']).optional(),
    caseSensitive: z.boolean().optional(),
    otherwise: z.enum(['keep', 'empty']).optional(),
  }).refine((t) => t.map !== undefined || t.preset !== undefined, { message: 'value-map needs a map or a preset' }),
  z.object({ type: z.literal('date'), format: z.enum(DATE_FORMATS) }),
  z.object({
    type: z.literal('datetime'),
    dateFormat: z.enum(DATE_FORMATS).optional(),
    timeZone: z.string().max(64).refine(isValidTimeZone, { message: 'unknown IANA time zone' }).optional(),
  }),
  z.object({ type: z.literal('phone'), defaultCountry: z.enum(PHONE_COUNTRIES as [PhoneCountry, ...PhoneCountry[]]).optional() }),
  z.object({ type: z.literal('strip-digits') }),
  z.object({ type: z.literal('default'), value: z.string().max(ONCALL_LIMITS.maxMetadataValueLength) }),
]);

const fieldMappingSchema = z.object({
  column: z.string().min(1).max(500).optional(),
  columns: z.array(z.string().min(1).max(500)).min(1).max(10).optional(),
  constant: z.string().max(ONCALL_LIMITS.maxMetadataValueLength).optional(),
  transforms: z.array(transformSchema).max(20).optional(),
}).refine(
  (f) => [f.column, f.columns, f.constant].filter((x) => x !== undefined).length === 1,
  { message: 'give exactly one of column, columns or constant' },
);

const optionsSchema = z.object({
  trimCells: z.boolean().optional(),
  participantSeparator: z.enum(['auto', ';', '|']).optional(),
  emrIdMetadataKey: z.string().min(1).max(ONCALL_LIMITS.maxMetadataKeyLength).optional(),
  timeZone: z.string().max(64).refine(isValidTimeZone, { message: 'unknown IANA time zone' }).optional(),
  deriveFullName: z.boolean().optional(),
  updateExisting: z.boolean().optional(),
  participantEmailFallback: z.string().max(ONCALL_LIMITS.maxEmailLength).refine(
    (v) => v === 'provider' || v === 'none' || z.email().safeParse(v).success,
    { message: 'participantEmailFallback is "provider", "none" or an e-mail address' },
  ).optional(),
});

/** zod schema of a template; also checks field names against the catalogue of its record type. */
export const mappingTemplateSchema = z.object({
  version: z.literal(1),
  recordType: z.enum(RECORD_TYPES),
  name: z.string().max(200).optional(),
  description: z.string().max(2000).optional(),
  fields: z.record(z.string().min(1).max(200), fieldMappingSchema),
  options: optionsSchema.optional(),
}).superRefine((t, ctx) => {
  for (const key of Object.keys(t.fields)) {
    if (!fieldDefinition(t.recordType, key)) {
      ctx.addIssue({ code: 'custom', path: ['fields', key], message: `unknown ${t.recordType} field "${key}"` });
    }
    if (key.startsWith('metadata.') && key.length - 'metadata.'.length > ONCALL_LIMITS.maxMetadataKeyLength) {
      ctx.addIssue({ code: 'custom', path: ['fields', key], message: `metadata key longer than ${ONCALL_LIMITS.maxMetadataKeyLength} characters` });
    }
  }
  const emrKey = t.options?.emrIdMetadataKey ?? 'emr_id';
  if (t.recordType === 'appointments' && t.fields[`metadata.${emrKey}`] && t.fields.emrId) {
    ctx.addIssue({ code: 'custom', path: ['fields', `metadata.${emrKey}`], message: `metadata key "${emrKey}" already holds the EMR id` });
  }
});

// Compile-time check that the schema and the hand-written type agree.
type SchemaOutput = z.infer<typeof mappingTemplateSchema>;
const _typeCheck: (t: SchemaOutput) => MappingTemplate = (t) => t;
void _typeCheck;

export type TemplateParseResult =
  | { ok: true; template: MappingTemplate }
  | { ok: false; issues: { path: string; message: string }[] };

/** Parses untrusted JSON (an upload, a request body) into a template, with readable issues. */
export function parseMappingTemplate(input: unknown): TemplateParseResult {
  const r = mappingTemplateSchema.safeParse(input);
  if (r.success) return { ok: true, template: r.data };
  return {
    ok: false,
    issues: r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
  };
}

/** Every CSV column a template reads (for "missing required columns" before parsing rows). */
export function templateColumns(template: MappingTemplate): string[] {
  const out = new Set<string>();
  for (const f of Object.values(template.fields)) {
    if (f.column !== undefined) out.add(f.column);
    if (f.columns) for (const c of f.columns) out.add(c);
  }
  return [...out];
}
