/** URLs of the documents and OAuth clients pages (History-API router, see ../router/router.ts). */
export const DOCUMENTS_PATH = '/documents';
export const CLIENTS_PATH = '/clients';

export function documentPath(transactionId: string): string {
  return `${DOCUMENTS_PATH}/${encodeURIComponent(transactionId)}`;
}
