import type { Patient } from '@medplum/fhirtypes';
import { z } from 'zod';
import { OperationOutcomeError } from './operation-outcome.js';

/**
 * Basic structural validation of an incoming Patient (https://hl7.org/fhir/R4/patient.html):
 * the elements the engine writes, with their R4 types and code bindings. Other elements pass
 * through untouched (loose objects), as a real server would store them.
 */
const fhirId = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'must be a FHIR id ([A-Za-z0-9-.]{1,64})');
const fhirDate = z.string().regex(/^\d{4}(-\d{2}(-\d{2})?)?$/, 'must be a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD)');
const fhirDateTime = z
  .string()
  .regex(/^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?$/, 'must be a FHIR dateTime');
const nonEmpty = z.string().min(1, 'must not be empty');

const humanName = z.looseObject({
  use: z.enum(['usual', 'official', 'temp', 'nickname', 'anonymous', 'old', 'maiden']).optional(),
  text: nonEmpty.optional(),
  family: nonEmpty.optional(),
  given: z.array(nonEmpty).optional(),
  prefix: z.array(nonEmpty).optional(),
  suffix: z.array(nonEmpty).optional(),
});

const identifier = z.looseObject({
  use: z.enum(['usual', 'official', 'temp', 'secondary', 'old']).optional(),
  system: nonEmpty.optional(),
  value: nonEmpty.optional(),
});

const contactPoint = z.looseObject({
  system: z.enum(['phone', 'fax', 'email', 'pager', 'url', 'sms', 'other']).optional(),
  value: nonEmpty.optional(),
  use: z.enum(['home', 'work', 'temp', 'old', 'mobile']).optional(),
});

const address = z.looseObject({
  use: z.enum(['home', 'work', 'temp', 'old', 'billing']).optional(),
  line: z.array(nonEmpty).optional(),
  city: nonEmpty.optional(),
  district: nonEmpty.optional(),
  state: nonEmpty.optional(),
  postalCode: nonEmpty.optional(),
  country: nonEmpty.optional(),
});

const patientSchema = z.looseObject({
  resourceType: z.literal('Patient'),
  id: fhirId.optional(),
  meta: z.looseObject({}).optional(),
  identifier: z.array(identifier).optional(),
  active: z.boolean().optional(),
  name: z.array(humanName).optional(),
  telecom: z.array(contactPoint).optional(),
  gender: z.enum(['male', 'female', 'other', 'unknown']).optional(),
  birthDate: fhirDate.optional(),
  deceasedBoolean: z.boolean().optional(),
  deceasedDateTime: fhirDateTime.optional(),
  address: z.array(address).optional(),
});

function expression(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : `${acc}.${String(p)}`), 'Patient');
}

/**
 * Returns the Patient or throws an OperationOutcomeError: 400 when the body is not a Patient
 * or breaks R4 datatypes, 422 when it is well-formed but unusable (no name and no identifier,
 * birth date in the future). Diagnostics name paths and rules, never the submitted values.
 */
export function validatePatient(body: unknown): Patient {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw OperationOutcomeError.of(400, 'structure', 'Body must be a JSON object');
  }
  if ((body as { resourceType?: unknown }).resourceType !== 'Patient') {
    throw OperationOutcomeError.of(400, 'invalid', 'resourceType must be Patient', ['Patient.resourceType']);
  }
  const parsed = patientSchema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 20).map((i) => ({
      severity: 'error' as const,
      code: 'value' as const,
      diagnostics: `${expression(i.path)}: ${i.message}`,
      expression: [expression(i.path)],
    }));
    throw new OperationOutcomeError(400, { resourceType: 'OperationOutcome', issue: issues });
  }
  const patient = parsed.data as Patient;
  const hasName = (patient.name ?? []).some((n) => n.family || n.text || (n.given?.length ?? 0) > 0);
  const hasIdentifier = (patient.identifier ?? []).some((i) => i.value);
  if (!hasName && !hasIdentifier) {
    throw OperationOutcomeError.of(422, 'business-rule', 'A Patient needs at least a name or an identifier', ['Patient.name']);
  }
  if (patient.birthDate && patient.birthDate > new Date().toISOString().slice(0, 10)) {
    throw OperationOutcomeError.of(422, 'business-rule', 'birthDate is in the future', ['Patient.birthDate']);
  }
  return patient;
}
