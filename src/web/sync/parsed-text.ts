/**
 * What a message was read as, in sentences a front desk can follow: the trace's 'parsed' event
 * holds `{events: CanonicalEvent[]}` (src/channels/hl7v2/types.ts) or, for a refused message,
 * `{outcome, ack, errors}` (its reason is already in the page's "Why" box, so nothing is said).
 */

/** SIU trigger events as changes (HL7 v2.5.1 chapter 10.3: S12 new ... S26 no-show). */
const CHANGE_TEXT: Record<string, string> = {
  new: 'new',
  reschedule: 'rescheduled',
  modify: 'changed',
  cancel: 'cancelled',
  delete: 'deleted',
  noshow: 'no-show',
};

export interface ParsedText {
  /** One sentence per event, in the order the message gave them. */
  sentences: string[];
  /** The FHIR resources the events carry (Patient, Appointment), for whoever wants them whole. */
  resources: unknown[];
}

const str = (v: unknown): string => (typeof v === 'string' && v !== '' ? v : '?');

/** Sentences for a 'parsed' trace detail; null when it is a refusal (or holds no events). */
export function parsedText(detail: unknown): ParsedText | null {
  if (!detail || typeof detail !== 'object') return null;
  const events = (detail as { events?: unknown }).events;
  if (!Array.isArray(events)) return null;
  const sentences: string[] = [];
  const resources: unknown[] = [];
  for (const raw of events) {
    const e = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
    switch (e.type) {
      case 'patient-upsert':
        sentences.push(`Patient ${str(e.emrPatientId)} new or updated`);
        if (e.patient) resources.push(e.patient);
        break;
      case 'appointment-upsert': {
        const ids = Array.isArray(e.emrPatientIds) ? e.emrPatientIds.map(str) : [];
        const who = ids.length === 0 ? 'no patient' : `${ids.length === 1 ? 'patient' : 'patients'} ${ids.join(', ')}`;
        const change = typeof e.change === 'string' ? (CHANGE_TEXT[e.change] ?? e.change) : 'updated';
        sentences.push(`Appointment ${str(e.emrAppointmentId)} for ${who}: ${change}`);
        if (e.appointment) resources.push(e.appointment);
        break;
      }
      case 'patient-merge':
        sentences.push(`Merge: patient ${str(e.survivorId)} kept, patient ${str(e.retiredId)} retired into it`);
        break;
      default:
        // A kind this page does not know yet: said so, and shown whole with the resources.
        sentences.push(`Something else (${typeof e.type === 'string' ? e.type : 'not described'})`);
        resources.push(raw);
    }
  }
  return { sentences, resources };
}

/**
 * The MLLP channel's detail ("port 2576 on 127.0.0.1; 0 connection(s) open") with the count in
 * words: "no connection open", "1 connection open", "3 connections open".
 */
export function channelDetailText(detail: string): string {
  return detail.replace(/\b(\d+) connection\(s\) open\b/, (_all, n: string) => {
    const count = Number(n);
    return count === 0 ? 'no connection open' : count === 1 ? '1 connection open' : `${count} connections open`;
  });
}
