import type { OperationOutcome } from '@medplum/fhirtypes';

/** OperationOutcome.issue.code values this sandbox emits (https://hl7.org/fhir/R4/valueset-issue-type.html). */
export type IssueCode =
  | 'invalid'
  | 'required'
  | 'value'
  | 'structure'
  | 'not-found'
  | 'not-supported'
  | 'conflict'
  | 'security'
  | 'login'
  | 'processing'
  | 'exception'
  | 'expired'
  | 'deleted'
  | 'too-costly'
  | 'multiple-matches'
  | 'invariant'
  | 'business-rule';

export function outcome(
  severity: 'fatal' | 'error' | 'warning' | 'information',
  code: IssueCode,
  diagnostics: string,
  expression?: string[],
): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity, code, diagnostics, ...(expression ? { expression } : {}) }],
  };
}

/**
 * The one error currency of the sandbox: thrown anywhere, turned into an HTTP status and an
 * OperationOutcome body by the plugin's error handler (https://hl7.org/fhir/R4/http.html).
 */
export class OperationOutcomeError extends Error {
  constructor(
    readonly status: number,
    readonly outcome: OperationOutcome,
    readonly headers: Record<string, string> = {},
  ) {
    super(outcome.issue?.[0]?.diagnostics ?? `HTTP ${status}`);
    this.name = 'OperationOutcomeError';
  }

  static of(status: number, code: IssueCode, diagnostics: string, expression?: string[]): OperationOutcomeError {
    return new OperationOutcomeError(status, outcome('error', code, diagnostics, expression));
  }
}
