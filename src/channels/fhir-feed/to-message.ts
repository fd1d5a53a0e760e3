import type { Appointment, Bundle, Patient, Resource } from '@medplum/fhirtypes';
import type { IncomingMessage } from '../../messages/types.js';
import type { FeedType } from './feed-state.js';

/**
 * One resource version as one stored message (channel `fhir`). The control id names the
 * version (`Patient/<id>/_history/<versionId>`), so a version met twice (the poll's overlap,
 * a notification and the poll) has the same key, and the bytes are canonical JSON (keys
 * sorted) so its content hash does not depend on which way it came.
 */
export type FeedEvent = 'create' | 'update' | 'delete';

export const FEED_CHANNEL = 'fhir';

export function controlIdOf(type: FeedType, id: string, versionId: string): string {
  return `${type}/${id}/_history/${versionId}`;
}

/** JSON with object keys sorted at every level (arrays keep their order: it is meaningful in FHIR). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** The Patient ids an Appointment's participants reference (`Patient/<id>`, relative or absolute). */
export function participantPatientIds(a: Appointment): string[] {
  const ids: string[] = [];
  for (const p of a.participant ?? []) {
    const m = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(p.actor?.reference ?? '');
    if (m?.[1] && !ids.includes(m[1])) ids.push(m[1]);
  }
  return ids;
}

/**
 * The Bundle stored for an Appointment: type `collection`, the Appointment first, then the
 * Patients its participants reference as the feed read them, so processing needs no call.
 */
export function appointmentBundle(base: string, appointment: Appointment, patients: Patient[]): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: [appointment, ...patients].map((resource) => ({ fullUrl: `${base}/${resource.resourceType}/${resource.id}`, resource })),
  };
}

export function feedMessage(opts: {
  type: FeedType;
  id: string;
  versionId: string;
  event: FeedEvent;
  /** What is stored: the Patient, or the Appointment's Bundle (for a delete: the last content). */
  content: Resource;
  patientIds: string[];
  serverHost: string;
}): IncomingMessage {
  return {
    channel: FEED_CHANNEL,
    raw: Buffer.from(canonicalJson(opts.content), 'utf8'),
    header: {
      sendingApplication: 'FHIR',
      sendingFacility: opts.serverHost,
      controlId: controlIdOf(opts.type, opts.id, opts.versionId),
      messageType: opts.type,
      event: opts.event,
      version: 'R4',
    },
    status: 'received',
    patientIds: opts.patientIds,
    ack: null,
    ackCode: null,
  };
}
