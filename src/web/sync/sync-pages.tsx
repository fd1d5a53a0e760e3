import type { ReactElement } from 'react';
import { MessagePage } from './message-page.js';
import { SYNC_PATH } from './paths.js';
import { SyncPage } from './sync-page.js';

/** The Sync pages for the app's router: the page and its tab title for a path, or null when not ours. */
export function syncPage(pathname: string): { element: ReactElement; title: string } | null {
  if (pathname === SYNC_PATH) return { element: <SyncPage />, title: 'Sync' };
  const one = new RegExp(`^${SYNC_PATH}/messages/([^/]+)$`).exec(pathname);
  if (one?.[1]) {
    const id = Number(decodeURIComponent(one[1]));
    if (Number.isSafeInteger(id) && id > 0) return { element: <MessagePage key={id} id={id} />, title: 'Message' };
  }
  return null;
}

export const SYNC_NAV_LINK = { to: SYNC_PATH, label: 'Sync' } as const;
