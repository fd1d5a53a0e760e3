import type { Encounter, Patient } from '@medplum/fhirtypes';

/**
 * What every EHR format (HL7 ORU/MDM, HPRIM, JSON) is rendered from: the Lifen
 * `$send-to-ehr` parameters resolved to FHIR resources and bytes.
 */
export const DOCUMENT_CONTENT_TYPES = ['application/pdf', 'image/jpeg', 'image/png', 'application/txt'] as const;
export type DocumentContentType = (typeof DOCUMENT_CONTENT_TYPES)[number];

/** Lifen's default document type when `document-type` is omitted: consultation note. */
export const DEFAULT_DOCUMENT_LOINC = '11488-4';

export interface MessageParty {
  /** MSH-3 / MSH-5 (HD namespace). */
  application: string;
  /** MSH-4 / MSH-6. */
  facility?: string;
}

export interface DocumentMessageInput {
  /**
   * The transaction's stable id: MSH-10, HPRIM and JSON file names, Idempotency-Key. Stable
   * across retries so the EHR recognises a resend. HL7 v2.5 limits MSH-10 to 20 characters:
   * `deriveControlId()` makes a short stable one from a longer transaction id.
   */
  controlId: string;
  patient: Patient;
  encounter?: Encounter;
  document: {
    contentType: DocumentContentType;
    /** LOINC code of the document type (OBR-4 / OBX-3). */
    loinc: string;
    loincDisplay?: string;
    title: string;
    /** When the document was written (OBR-7, OBX-14, TXA-4). */
    date: Date;
    data: Buffer;
    /** Unique document id (TXA-12, OBR-3); defaults to `controlId`. */
    id?: string;
  };
  /** The sending professional, by RPPS (Lifen `sender-identifier`, 11 digits). */
  author?: { rpps: string; family?: string; given?: string };
  sender: MessageParty;
  receiver: MessageParty;
}
