/**
 * The document title when the client sends no `document-title`.
 *
 * Lifen's default is `last_name_first_name_birthdate_document_type_identifier`
 * (lifen-send-document-to-ehr.txt). That puts the patient's name and birth date into a value
 * the engine keeps for the whole tracking period, shows on the documents page and writes into
 * every message (OBX title), long after the document itself is purged. The title's job is to
 * tell documents apart, which the rest does on its own: here it is the LOINC code, the day the
 * document was accepted (YYYYMMDD, UTC) and the transaction's control id (the document's
 * identifier in the message). The EHR files the document under the patient from PID anyway.
 */
export function defaultDocumentTitle(loinc: string, identifier: string, acceptedAt: Date): string {
  const day = acceptedAt.toISOString().slice(0, 10).replace(/-/g, '');
  return [loinc, day, identifier]
    .filter((p) => p.trim() !== '')
    .map((p) => p.trim().replace(/\s+/g, '-'))
    .join('_');
}
