import type { Patient } from '@medplum/fhirtypes';

/**
 * Lifen's default document title when `document-title` is omitted
 * (lifen-send-document-to-ehr.txt): `last_name_first_name_birthdate_document_type_identifier`.
 * Here: family name, first given name, birth date as YYYYMMDD, the LOINC code, and the
 * transaction's control id (the document's identifier in the message). Missing parts are left
 * out rather than written as "undefined".
 */
export function defaultDocumentTitle(patient: Patient, loinc: string, identifier: string): string {
  const name = patient.name?.find((n) => n.use === 'official') ?? patient.name?.[0];
  const parts = [name?.family, name?.given?.[0], patient.birthDate?.replace(/-/g, ''), loinc, identifier];
  return parts
    .filter((p): p is string => typeof p === 'string' && p.trim() !== '')
    .map((p) => p.trim().replace(/\s+/g, '-'))
    .join('_');
}
