import type { Encounter, Patient } from '@medplum/fhirtypes';
import type { Config, EhrRouteConfig } from '../../config/config.js';
import type { DocumentContentType, DocumentMessageInput } from '../../hl7/document-input.js';
import { renderForEhr, type RenderedEhrPayload } from '../../partners/ehr/formats/index.js';

/** The stored transaction fields a message is built from. */
export interface TransactionForRender {
  control_id: string;
  client_name: string;
  content_type: string;
  loinc: string;
  title: string | null;
  sender_rpps: string | null;
  created_at: string;
}

/** Common LOINC document types, for OBX-3 / TXA-2 display text (the code alone is valid too). */
const LOINC_DISPLAY: Record<string, string> = {
  '11488-4': 'Consult note',
  '18842-5': 'Discharge summary',
  '11506-3': 'Progress note',
  '34133-9': 'Summary of episode note',
  '57833-6': 'Prescription for medication',
  '11502-2': 'Laboratory report',
  '18748-4': 'Diagnostic imaging study',
  '28570-0': 'Procedure note',
};

/**
 * The FHIR Patient/Encounter gathered from the EMR, the stored request and the document bytes,
 * as every format's input (hl7/document-input.ts).
 */
export function buildDocumentInput(
  tx: TransactionForRender,
  patient: Patient,
  encounter: Encounter | undefined,
  data: Buffer,
  route: EhrRouteConfig,
  ehr: Config['ehr'],
): DocumentMessageInput {
  return {
    controlId: tx.control_id,
    patient,
    ...(encounter ? { encounter } : {}),
    document: {
      contentType: tx.content_type as DocumentContentType,
      loinc: tx.loinc,
      ...(LOINC_DISPLAY[tx.loinc] ? { loincDisplay: LOINC_DISPLAY[tx.loinc] } : {}),
      title: tx.title ?? '',
      date: new Date(tx.created_at),
      data,
    },
    ...(tx.sender_rpps ? { author: { rpps: tx.sender_rpps } } : {}),
    // Lifen: without sender-identifier, "the by-default sender is the name of your application".
    sender: { application: tx.client_name || ehr.sendingApplication, facility: ehr.sendingFacility ?? ehr.sendingApplication },
    receiver: { application: route.receivingApplication, ...(route.receivingFacility ? { facility: route.receivingFacility } : {}) },
  };
}

/**
 * Renders for the route. `now` is the delivery's creation time, not the clock: every resend of
 * one delivery is then byte for byte the same message (MSH-7 included), not just the same MSH-10.
 */
export function renderForRoute(input: DocumentMessageInput, route: EhrRouteConfig, ehr: Config['ehr'], now: Date): RenderedEhrPayload {
  return renderForEhr(route.format, input, {
    now,
    timeZone: ehr.timeZone,
    onUnmappable: route.onUnmappable,
    ...(route.charset ? { hl7: { charset: route.charset }, hprim: { charset: route.charset } } : {}),
  });
}
