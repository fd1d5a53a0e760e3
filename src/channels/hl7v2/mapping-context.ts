import { HL7_ERROR_CODES } from '../../hl7/ack.js';
import { IDENTIFIER_SYSTEMS } from '../../domain/identifiers.js';
import type { Hl7Error } from './types.js';
import { parseDtm, type ParsedDtm } from './dtm.js';
import type { SegmentView } from './reader.js';

/** Content the engine cannot use: becomes an AE with this ERR. Never carries a value. */
export class Hl7ContentError extends Error {
  constructor(readonly error: Hl7Error) {
    super(error.text);
    this.name = 'Hl7ContentError';
  }
}

export interface MappingContext {
  emrIdType: string;
  emrIdSystem: string;
  timeZone: string;
  /** Operator notes (no values: field names only). */
  warnings: string[];
}

export function mappingContext(opts: { emrIdType?: string; emrIdSystem?: string; timeZone?: string }): MappingContext {
  return {
    emrIdType: opts.emrIdType?.trim() || 'MR',
    emrIdSystem: opts.emrIdSystem ?? IDENTIFIER_SYSTEMS.emr,
    timeZone: opts.timeZone ?? 'UTC',
    warnings: [],
  };
}

export function requiredFieldMissing(seg: SegmentView | string, field: number, what: string): Hl7ContentError {
  const location = typeof seg === 'string' ? `${seg}^1^${field}` : seg.location(field);
  return new Hl7ContentError({
    code: HL7_ERROR_CODES.requiredFieldMissing.code,
    codeText: HL7_ERROR_CODES.requiredFieldMissing.codeText,
    location,
    text: `${location.split('^')[0]}-${field} (${what}) is required and empty`,
  });
}

export function dataTypeError(seg: SegmentView, field: number, what: string, component = 1, repetition = 1): Hl7ContentError {
  // ERL: segment ^ sequence ^ field ^ field repetition ^ component.
  const location = component > 1 || repetition > 1 ? `${seg.location(field)}^${repetition}^${component}` : seg.location(field);
  const name = component > 1 ? `${seg.name}-${field}.${component}` : `${seg.name}-${field}`;
  return new Hl7ContentError({
    code: HL7_ERROR_CODES.dataType.code,
    codeText: HL7_ERROR_CODES.dataType.codeText,
    location,
    text: `${name} (${what}) is not a valid date/time`,
  });
}

export function missingSegment(name: string, what: string): Hl7ContentError {
  return new Hl7ContentError({
    code: HL7_ERROR_CODES.segmentSequence.code,
    codeText: HL7_ERROR_CODES.segmentSequence.codeText,
    location: name,
    text: `the ${name} segment (${what}) is missing`,
  });
}

/** A date/time field: undefined when empty, an AE (102) when present and impossible. */
export function dtmField(seg: SegmentView, field: number, what: string, ctx: MappingContext, component = 1): ParsedDtm | undefined {
  const v = seg.value(field, component);
  if (!v) return undefined;
  const parsed = parseDtm(v, ctx.timeZone);
  if (!parsed) throw dataTypeError(seg, field, what, component);
  return parsed;
}
