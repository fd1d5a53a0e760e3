import type { SendToEhrRequest } from '../../flows/send-to-ehr/types.js';
import { DEFAULT_DOCUMENT_LOINC } from '../../hl7/document-input.js';
import { FhirError } from './fhir-error.js';
import { LargeJsonString } from './large-json.js';
import { checkPayload, isAllowedContentType } from './payload-check.js';

/**
 * Reads the `$send-to-ehr` Parameters resource (lifen-send-document-to-ehr.txt, "Upload and send
 * the document") into a checked request. Accepts the value[x] variants a FHIR client may use:
 * valueCode/valueString for codes, valueCoding/valueCodeableConcept for the document type,
 * valueString/valueBase64Binary/valueAttachment.data for the payload, valueReference or a
 * reference string for subject/context, valueIdentifier for the sender.
 *
 * 400: not a Parameters resource. 413: payload above the limit. 422: any parameter invalid.
 */
const LOINC_SYSTEM = 'http://loinc.org';
const LOINC_CODE_RE = /^\d{1,8}-\d$/;
const RPPS_RE = /^\d{11}$/;
const ID_RE = /^[A-Za-z0-9\-.]{1,64}$/;
const MAX_TITLE = 500;

const KNOWN = ['subject', 'context', 'content-type', 'document-type', 'document-title', 'sender-identifier', 'payload'] as const;
type Known = (typeof KNOWN)[number];
type Param = Record<string, unknown> & { name: string };

const expr = (name: string) => [`Parameters.parameter[${name}]`];
const invalid = (name: string, why: string) => new FhirError(422, 'value', `${name}: ${why}`, { expression: expr(name) });

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** `Patient/123`, `https://host/fhir/Patient/123` or `Patient/123/_history/2` → `123`. */
function referenceId(name: string, p: Param, type: 'Patient' | 'Encounter'): string {
  const ref = isObject(p.valueReference) ? str(p.valueReference.reference) : (str(p.valueString) ?? str(p.valueUri));
  if (ref === undefined) throw invalid(name, `expected valueReference.reference to a ${type}`);
  const m = new RegExp(`(?:^|/)${type}/([^/?#]+)(?:/_history/[^/]+)?$`).exec(ref.trim());
  if (!m?.[1] || !ID_RE.test(m[1])) throw invalid(name, `expected a reference of the form ${type}/{id}`);
  return m[1];
}

function codeValue(name: string, p: Param): string {
  const v = str(p.valueCode) ?? str(p.valueString);
  if (v === undefined) throw invalid(name, 'expected valueCode');
  return v.trim();
}

function loincValue(p: Param): string {
  const codings: unknown[] = isObject(p.valueCoding)
    ? [p.valueCoding]
    : isObject(p.valueCodeableConcept) && Array.isArray(p.valueCodeableConcept.coding)
      ? p.valueCodeableConcept.coding
      : [];
  let code: string | undefined;
  if (codings.length > 0) {
    const loinc = codings.filter(isObject).find((c) => c.system === undefined || c.system === LOINC_SYSTEM);
    if (!loinc) throw invalid('document-type', `expected a coding from ${LOINC_SYSTEM}`);
    code = str(loinc.code);
  } else {
    code = str(p.valueCode) ?? str(p.valueString);
  }
  if (code === undefined || !LOINC_CODE_RE.test(code.trim())) throw invalid('document-type', 'expected a LOINC code such as 11488-4');
  return code.trim();
}

function strOrLarge(v: unknown): string | Buffer | undefined {
  return v instanceof LargeJsonString ? v.bytes : str(v);
}

function payloadValue(p: Param): string | Buffer {
  const v = strOrLarge(p.valueBase64Binary) ?? strOrLarge(p.valueString) ?? (isObject(p.valueAttachment) ? strOrLarge(p.valueAttachment.data) : undefined);
  if (v === undefined) throw invalid('payload', 'expected valueString or valueBase64Binary with the document in base64');
  return v;
}

function senderValue(p: Param): string {
  const v = str(p.valueString) ?? (isObject(p.valueIdentifier) ? str(p.valueIdentifier.value) : undefined);
  if (v === undefined || !RPPS_RE.test(v.trim())) throw invalid('sender-identifier', 'expected an RPPS number (11 digits)');
  return v.trim();
}

export function parseSendToEhrParameters(body: unknown, opts: { maxPayloadBytes: number }): SendToEhrRequest {
  if (!isObject(body) || body.resourceType !== 'Parameters') {
    throw new FhirError(400, 'structure', 'The request body must be a FHIR Parameters resource');
  }
  if (body.parameter !== undefined && !Array.isArray(body.parameter)) {
    throw new FhirError(400, 'structure', 'Parameters.parameter must be an array');
  }
  const byName = new Map<Known, Param>();
  for (const [i, raw] of ((body.parameter as unknown[] | undefined) ?? []).entries()) {
    if (!isObject(raw) || typeof raw.name !== 'string') {
      throw new FhirError(400, 'structure', `Parameters.parameter[${i}] needs a name`);
    }
    const name = raw.name as Known;
    if (!KNOWN.includes(name)) continue; // Unknown parameters are ignored, as FHIR operations allow.
    if (byName.has(name)) throw new FhirError(422, 'invalid', `${name}: given more than once`, { expression: expr(name) });
    byName.set(name, raw as Param);
  }
  const get = (n: Known) => byName.get(n);

  const subject = get('subject');
  if (!subject) throw new FhirError(422, 'required', 'subject: a Patient reference is required', { expression: expr('subject') });
  const patientId = referenceId('subject', subject, 'Patient');
  const context = get('context');
  const encounterId = context ? referenceId('context', context, 'Encounter') : undefined;

  const ctParam = get('content-type');
  const contentType = ctParam ? codeValue('content-type', ctParam) : 'application/pdf';
  if (!isAllowedContentType(contentType)) {
    throw invalid('content-type', 'allowed values are application/pdf, image/jpeg, image/png, application/txt');
  }

  const dtParam = get('document-type');
  const loinc = dtParam ? loincValue(dtParam) : DEFAULT_DOCUMENT_LOINC;

  const titleParam = get('document-title');
  let title: string | undefined;
  if (titleParam) {
    const t = str(titleParam.valueString);
    if (t === undefined) throw invalid('document-title', 'expected valueString');
    if (t.length > MAX_TITLE) throw invalid('document-title', `longer than ${MAX_TITLE} characters`);
    title = t.trim() === '' ? undefined : t;
  }

  const senderParam = get('sender-identifier');
  const senderRpps = senderParam ? senderValue(senderParam) : undefined;

  const payloadParam = get('payload');
  if (!payloadParam) throw new FhirError(422, 'required', 'payload: the document in base64 is required', { expression: expr('payload') });
  const payload = checkPayload(payloadValue(payloadParam), contentType, opts.maxPayloadBytes);

  return {
    patientId,
    ...(encounterId ? { encounterId } : {}),
    contentType,
    loinc,
    ...(title !== undefined ? { title } : {}),
    ...(senderRpps ? { senderRpps } : {}),
    payloadBase64: payload.base64,
    size: payload.size,
    sha256: payload.sha256,
  };
}
