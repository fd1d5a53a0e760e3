import { isPartnerError } from '../../../../partners/partner-error.js';
import type { ApplyContext } from '../../sync-target.js';
import type { EmrWriter } from './emr-writer.js';

/**
 * Trace lines for EMR calls, as the OnCall target writes them (method, path, status, ms): the
 * FHIR request (`PUT /Patient/12`), or for an HL7 EMR `MLLP /ADT^A08` with the ACK code as note.
 * Paths carry ids only; searches are named by what they search, never by the values.
 */
export type EmrOp =
  | { op: 'search-patient'; by: 'identifier' | 'demographics' }
  | { op: 'read-patient'; id: string }
  | { op: 'create-patient' }
  | { op: 'update-patient'; id: string }
  | { op: 'search-appointment' }
  | { op: 'read-appointment'; id: string }
  | { op: 'create-appointment' }
  | { op: 'update-appointment'; id: string; hl7: string };

function line(kind: EmrWriter['kind'], o: EmrOp): { method: string; path: string; ok: number | null; note?: string } {
  if (kind === 'hl7') {
    const msg = o.op === 'create-patient' ? 'ADT^A04' : o.op === 'update-patient' ? 'ADT^A08' : o.op === 'create-appointment' ? 'SIU^S12' : o.op === 'update-appointment' ? o.hl7 : o.op;
    return { method: 'MLLP', path: `/${msg}`, ok: null, note: 'AA' };
  }
  switch (o.op) {
    case 'search-patient':
      return { method: 'GET', path: '/Patient', ok: 200, note: `search by ${o.by}` };
    case 'read-patient':
      return { method: 'GET', path: `/Patient/${o.id}`, ok: 200 };
    case 'create-patient':
      return { method: 'POST', path: '/Patient', ok: 201, note: 'conditional create' };
    case 'update-patient':
      return { method: 'PUT', path: `/Patient/${o.id}`, ok: 200 };
    case 'search-appointment':
      return { method: 'GET', path: '/Appointment', ok: 200, note: 'search by identifier' };
    case 'read-appointment':
      return { method: 'GET', path: `/Appointment/${o.id}`, ok: 200 };
    case 'create-appointment':
      return { method: 'POST', path: '/Appointment', ok: 201, note: 'conditional create' };
    case 'update-appointment':
      return { method: 'PUT', path: `/Appointment/${o.id}`, ok: 200 };
  }
}

export async function timedEmr<T>(c: ApplyContext, kind: EmrWriter['kind'], o: EmrOp, fn: () => Promise<T>): Promise<T> {
  const l = line(kind, o);
  const t0 = performance.now();
  try {
    const r = await fn();
    c.trace.call(l.method, l.path, l.ok, Math.round(performance.now() - t0), l.note);
    return r;
  } catch (e) {
    const note = kind === 'hl7' && isPartnerError(e) ? (e.kind === 'permanent' ? 'AE' : 'no AA') : o.op.startsWith('search') ? l.note : undefined;
    c.trace.call(l.method, l.path, isPartnerError(e) ? (e.status ?? null) : null, Math.round(performance.now() - t0), note);
    throw e;
  }
}

/** The SIU trigger an appointment change is sent as (HL7 v2.5.1 chapter 10: S13 reschedule, S14 modification, S15 cancellation). */
export function siuEvent(change: 'new' | 'reschedule' | 'modify' | 'cancel' | 'noshow'): string {
  return change === 'new' ? 'SIU^S12' : change === 'reschedule' ? 'SIU^S13' : change === 'cancel' ? 'SIU^S15' : 'SIU^S14';
}
