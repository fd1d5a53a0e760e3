import type { ReactElement } from 'react';
import { ClientsPage } from '../clients/clients-page.js';
import { DocumentPage } from './document-page.js';
import { DocumentsPage } from './documents-page.js';
import { CLIENTS_PATH, DOCUMENTS_PATH } from './paths.js';

/**
 * The pages this feature adds, for the app's router in one call: the page for a path, or null
 * when the path is not one of ours. Navigation links: NAV_LINKS.
 */
export function sendToEhrPage(pathname: string): ReactElement | null {
  if (pathname === DOCUMENTS_PATH) return <DocumentsPage />;
  const one = new RegExp(`^${DOCUMENTS_PATH}/([^/]+)$`).exec(pathname);
  if (one?.[1]) return <DocumentPage key={one[1]} transactionId={decodeURIComponent(one[1])} />;
  if (pathname === CLIENTS_PATH) return <ClientsPage />;
  return null;
}

export const SEND_TO_EHR_NAV_LINKS = [
  { to: DOCUMENTS_PATH, label: 'Documents' },
  { to: CLIENTS_PATH, label: 'API clients' },
] as const;
