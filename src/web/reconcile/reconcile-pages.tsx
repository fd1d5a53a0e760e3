import type { ReactElement } from 'react';
import { ReconcilePage } from './reconcile-page.js';

/** URL of the Reconciliation page (History-API router, see ../router/router.ts). */
export const RECONCILE_PATH = '/reconcile';

/** The Reconciliation page for the app's router: the page and its tab title, or null when the path is not ours. */
export function reconcilePage(pathname: string): { element: ReactElement; title: string } | null {
  return pathname === RECONCILE_PATH ? { element: <ReconcilePage />, title: 'Reconciliation' } : null;
}

export const RECONCILE_NAV_LINK = { to: RECONCILE_PATH, label: 'Reconciliation' } as const;
