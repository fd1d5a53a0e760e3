import type { DocumentContentType } from '../../hl7/document-input.js';

/**
 * The `$send-to-ehr` request once its Parameters are checked (the FHIR API's job) and before
 * the EMR references are resolved (the service's job).
 */
export interface SendToEhrRequest {
  patientId: string;
  encounterId?: string;
  contentType: DocumentContentType;
  loinc: string;
  /** Unset: the default title is built from the patient when the request is accepted. */
  title?: string;
  senderRpps?: string;
  /** Canonical base64 (no whitespace) as ASCII bytes, already checked against the content type. */
  payloadBase64: Buffer;
  size: number;
  /** SHA-256 (hex) of the document bytes. */
  sha256: string;
}

/** The OAuth client the request came from. */
export interface RequestingClient {
  id: string;
  name: string;
}

/** FHIR Communication.status values used for deliveries (event-status, https://hl7.org/fhir/R4/valueset-event-status.html). */
export const DELIVERY_STATUSES = ['preparation', 'in-progress', 'completed', 'entered-in-error', 'unknown'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const TERMINAL_STATUSES: readonly DeliveryStatus[] = ['completed', 'entered-in-error', 'unknown'];

/** What one delivery attempt ended with (ehr_delivery_attempts.outcome). */
export const ATTEMPT_OUTCOMES = {
  /** AA / HTTP 2xx / files written. */
  delivered: 'delivered',
  /** AE / HTTP 4xx / content the receiver refused: final. */
  rejected: 'rejected',
  /** AR, refused connection, timeout: retried. */
  retry: 'retry',
  /** The process stopped while this attempt was in flight (found open after a restart). */
  interrupted: 'interrupted',
  /** Could not build the message (e.g. characters the route's charset cannot carry). */
  failed: 'failed',
} as const satisfies Record<string, string>;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[keyof typeof ATTEMPT_OUTCOMES];
