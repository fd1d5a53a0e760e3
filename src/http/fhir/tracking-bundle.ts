import type { Bundle, Communication } from '@medplum/fhirtypes';
import type { TrackingResult } from '../../flows/send-to-ehr/service.js';

/**
 * `$tracking` answer (lifen-send-document-to-ehr.txt, "Check if the document has been
 * successfully sent"): a `collection` Bundle with one Communication per delivery, `basedOn` the
 * CommunicationRequest (the transaction), `sent` once completed and the reason in
 * `statusReason.text` when it failed. `total` is set as in Lifen's example, although FHIR
 * defines it for searchsets only: Lifen clients may read it.
 */
export function trackingBundle(t: Extract<TrackingResult, { state: 'found' }>): Bundle<Communication> {
  const entries = t.deliveries.map((d): Communication => ({
    resourceType: 'Communication',
    id: d.id,
    meta: { lastUpdated: d.updatedAt },
    basedOn: [{ reference: `CommunicationRequest/${t.transactionId}` }],
    status: d.status,
    ...((d.status === 'entered-in-error' || d.status === 'unknown') && d.reason ? { statusReason: { text: d.reason } } : {}),
    subject: { reference: `Patient/${t.patientId}` },
    ...(t.encounterId ? { encounter: { reference: `Encounter/${t.encounterId}` } } : {}),
    ...(d.status === 'completed' && d.sentAt ? { sent: d.sentAt } : {}),
  }));
  return {
    resourceType: 'Bundle',
    type: 'collection',
    timestamp: new Date().toISOString(),
    total: entries.length,
    entry: entries.map((resource) => ({ fullUrl: `urn:uuid:${resource.id}`, resource })),
  };
}
