import type { Appointment } from '@medplum/fhirtypes';
import { z } from 'zod';
import { OperationOutcomeError } from './operation-outcome.js';

/**
 * Basic structural validation of an incoming Appointment (https://hl7.org/fhir/R4/appointment.html):
 * the required elements (status, participant with its status) and the R4 types of what the
 * engine reads (start/end instants, minutesDuration). Other elements pass through untouched.
 * Diagnostics name paths and rules, never values.
 */
const fhirInstant = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/, 'must be a FHIR instant');

const appointmentSchema = z.looseObject({
  resourceType: z.literal('Appointment'),
  id: z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'must be a FHIR id').optional(),
  meta: z.looseObject({}).optional(),
  status: z.enum(['proposed', 'pending', 'booked', 'arrived', 'fulfilled', 'cancelled', 'noshow', 'entered-in-error', 'checked-in', 'waitlist']),
  start: fhirInstant.optional(),
  end: fhirInstant.optional(),
  minutesDuration: z.number().int().positive().optional(),
  participant: z
    .array(
      z.looseObject({
        actor: z.looseObject({ reference: z.string().min(1).optional() }).optional(),
        status: z.enum(['accepted', 'declined', 'tentative', 'needs-action']),
      }),
    )
    .min(1, 'needs at least one participant'),
});

function expression(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : `${acc}.${String(p)}`), 'Appointment');
}

export function validateAppointment(body: unknown): Appointment {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw OperationOutcomeError.of(400, 'structure', 'Body must be a JSON object');
  }
  if ((body as { resourceType?: unknown }).resourceType !== 'Appointment') {
    throw OperationOutcomeError.of(400, 'invalid', 'resourceType must be Appointment', ['Appointment.resourceType']);
  }
  const parsed = appointmentSchema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 20).map((i) => ({
      severity: 'error' as const,
      code: 'value' as const,
      diagnostics: `${expression(i.path)}: ${i.message}`,
      expression: [expression(i.path)],
    }));
    throw new OperationOutcomeError(400, { resourceType: 'OperationOutcome', issue: issues });
  }
  const a = parsed.data as Appointment;
  // R4 invariants (https://hl7.org/fhir/R4/appointment.html#invs), checked in the spec's order.
  const missingBoth = a.participant.findIndex((p) => !p.actor && !(p.type?.length));
  if (missingBoth >= 0) {
    throw OperationOutcomeError.of(422, 'invariant', 'A participant needs a type or an actor (R4 invariant app-1)', [`Appointment.participant[${missingBoth}]`]);
  }
  if (Boolean(a.start) !== Boolean(a.end)) {
    throw OperationOutcomeError.of(422, 'invariant', 'start and end go together: both or neither (R4 invariant app-2)', [a.start ? 'Appointment.end' : 'Appointment.start']);
  }
  // app-3: only proposed, cancelled and waitlist appointments may lack start and end.
  if ((!a.start || !a.end) && !['proposed', 'cancelled', 'waitlist'].includes(a.status)) {
    throw OperationOutcomeError.of(422, 'business-rule', 'A booked appointment needs start and end (R4 invariant app-3)', ['Appointment.start']);
  }
  if (a.cancelationReason && a.status !== 'cancelled' && a.status !== 'noshow') {
    throw OperationOutcomeError.of(422, 'invariant', 'cancelationReason is only for cancelled or no-show appointments (R4 invariant app-4)', ['Appointment.cancelationReason']);
  }
  return a;
}
