import { createHash } from 'node:crypto';
import type { Identifier } from '@medplum/fhirtypes';
import { z } from 'zod';
import { DOCUMENT_CONTENT_TYPES, type DocumentMessageInput } from '../../../hl7/document-input.js';

/**
 * The JSON document format for EHRs that take neither HL7 nor HPRIM (Lifen's "proprietary
 * JSON" option). Documented field by field in docs/ehr-json-format.md; this schema is the
 * source of truth and is what the receiver sandbox validates with.
 */
export const EHR_JSON_FORMAT = 'ehr-bridge.document/v1';

export const ehrJsonIdentifierSchema = z.object({
  /** FHIR identifier system (e.g. `urn:oid:1.2.250.1.213.1.4.8` for the INS-NIR). */
  system: z.string().optional(),
  value: z.string().min(1),
  /** v2-0203 identifier type code (PI, MR, INS, VN...). */
  type: z.string().optional(),
  /** Name of the assigning authority. */
  assigner: z.string().optional(),
});

export const ehrJsonDocumentSchema = z.object({
  format: z.literal(EHR_JSON_FORMAT),
  /** Stable per transaction: a resend carries the same id (and Idempotency-Key header). */
  transactionId: z.string().min(1),
  sentAt: z.iso.datetime({ offset: true }),
  sender: z.object({ application: z.string().min(1), facility: z.string().optional() }),
  receiver: z.object({ application: z.string().optional(), facility: z.string().optional() }).optional(),
  patient: z.object({
    identifiers: z.array(ehrJsonIdentifierSchema),
    family: z.string().optional(),
    given: z.array(z.string()),
    /** FHIR date: YYYY, YYYY-MM or YYYY-MM-DD. */
    birthDate: z.string().regex(/^\d{4}(-\d{2}(-\d{2})?)?$/).optional(),
    gender: z.enum(['male', 'female', 'other', 'unknown']).optional(),
  }),
  encounter: z
    .object({
      identifiers: z.array(ehrJsonIdentifierSchema),
      /** FHIR v3 ActCode (IMP, AMB, EMER...). */
      class: z.string().optional(),
      status: z.string().optional(),
      periodStart: z.string().optional(),
      periodEnd: z.string().optional(),
    })
    .optional(),
  document: z.object({
    id: z.string().min(1),
    type: z.object({ system: z.literal('http://loinc.org'), code: z.string().min(1), display: z.string().optional() }),
    title: z.string(),
    contentType: z.enum(DOCUMENT_CONTENT_TYPES),
    date: z.iso.datetime({ offset: true }),
    author: z.object({ rpps: z.string().regex(/^\d{11}$/), family: z.string().optional(), given: z.string().optional() }).optional(),
    /** Size in bytes of the decoded data, and its SHA-256 (hex), for the receiver to verify. */
    size: z.number().int().nonnegative(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    data: z.base64(),
  }),
});

export type EhrJsonDocument = z.infer<typeof ehrJsonDocumentSchema>;

export interface EhrJsonOptions {
  now?: Date;
}

const identifier = (i: Identifier): z.infer<typeof ehrJsonIdentifierSchema> => ({
  ...(i.system ? { system: i.system } : {}),
  value: i.value ?? '',
  ...(i.type?.coding?.[0]?.code ? { type: i.type.coding[0].code } : {}),
  ...(i.assigner?.display ? { assigner: i.assigner.display } : {}),
});

export function buildEhrJson(input: DocumentMessageInput, opts: EhrJsonOptions = {}): EhrJsonDocument {
  const { patient, encounter, document } = input;
  const name = patient.name?.find((n) => n.use === 'official') ?? patient.name?.[0];
  const doc: EhrJsonDocument = {
    format: EHR_JSON_FORMAT,
    transactionId: input.controlId,
    sentAt: (opts.now ?? new Date()).toISOString(),
    sender: { ...input.sender },
    receiver: { ...input.receiver },
    patient: {
      identifiers: (patient.identifier ?? []).filter((i) => i.value).map(identifier),
      ...(name?.family ? { family: name.family } : {}),
      given: name?.given ?? [],
      ...(patient.birthDate ? { birthDate: patient.birthDate } : {}),
      ...(patient.gender ? { gender: patient.gender } : {}),
    },
    ...(encounter
      ? {
          encounter: {
            identifiers: (encounter.identifier ?? []).filter((i) => i.value).map(identifier),
            ...(encounter.class?.code ? { class: encounter.class.code } : {}),
            ...(encounter.status ? { status: encounter.status } : {}),
            ...(encounter.period?.start ? { periodStart: encounter.period.start } : {}),
            ...(encounter.period?.end ? { periodEnd: encounter.period.end } : {}),
          },
        }
      : {}),
    document: {
      id: document.id ?? input.controlId,
      type: { system: 'http://loinc.org', code: document.loinc, ...(document.loincDisplay ? { display: document.loincDisplay } : {}) },
      title: document.title,
      contentType: document.contentType,
      date: document.date.toISOString(),
      ...(input.author ? { author: { ...input.author } } : {}),
      size: document.data.length,
      sha256: createHash('sha256').update(document.data).digest('hex'),
      data: document.data.toString('base64'),
    },
  };
  return doc;
}
