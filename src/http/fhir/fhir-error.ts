import type { OperationOutcome } from '@medplum/fhirtypes';

/**
 * The FHIR API's one error currency: thrown anywhere under /fhir, sent as an OperationOutcome
 * with its HTTP status by the plugin's error handler (https://hl7.org/fhir/R4/http.html,
 * https://hl7.org/fhir/R4/operationoutcome.html). Diagnostics name the rule that was broken and
 * never quote document content or patient data.
 */
export type IssueCode =
  | 'invalid'
  | 'structure'
  | 'required'
  | 'value'
  | 'processing'
  | 'not-found'
  | 'not-supported'
  | 'security'
  | 'login'
  | 'forbidden'
  | 'expired'
  | 'too-long'
  | 'exception'
  | 'timeout'
  | 'transient'
  | 'business-rule';

export function operationOutcome(
  severity: 'fatal' | 'error' | 'warning' | 'information',
  code: IssueCode,
  diagnostics: string,
  expression?: string[],
): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, diagnostics, ...(expression ? { expression } : {}) }] };
}

export class FhirError extends Error {
  readonly outcome: OperationOutcome;

  constructor(
    readonly status: number,
    code: IssueCode,
    diagnostics: string,
    opts: { expression?: string[]; headers?: Record<string, string> } = {},
  ) {
    super(diagnostics);
    this.name = 'FhirError';
    this.outcome = operationOutcome(status >= 500 ? 'fatal' : 'error', code, diagnostics, opts.expression);
    this.headers = opts.headers ?? {};
  }

  readonly headers: Record<string, string>;
}

/** Seed wording for a reference the EMR cannot resolve (lifen-send-document-to-ehr.txt, "422"). */
export function invalidReference(reference: string, expression: string): FhirError {
  return new FhirError(422, 'processing', `Resource contains reference to ${reference} but this resource is not valid`, { expression: [expression] });
}
