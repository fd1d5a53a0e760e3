import { API_KEYS_PATH } from '../api-keys/api-keys-page.js';
import { SEND_TO_EHR_NAV_LINKS } from '../documents/send-to-ehr-pages.js';
import { RECONCILE_NAV_LINK } from '../reconcile/reconcile-pages.js';
import { SYNC_NAV_LINK } from '../sync/sync-pages.js';

/** One entry of the main navigation, shown inline on wide screens and in the menu on phones. */
export interface NavItem {
  to: string;
  label: string;
  /** Whether the current page belongs to this entry (shown in bold / highlighted). */
  active: (pathname: string) => boolean;
  /** Served by the engine outside the app (the API docs): a plain link, not an in-app navigation. */
  external?: boolean;
}

const under = (to: string) => (pathname: string) => pathname === to || pathname.startsWith(`${to}/`);

export const NAV_LINKS: readonly NavItem[] = [
  // A run's page (/imports/42) belongs to "Imports"; the wizard has its own entry.
  { to: '/imports', label: 'Imports', active: (p) => p === '/' || (under('/imports')(p) && p !== '/imports/new') },
  { to: '/imports/new', label: 'New import', active: (p) => p === '/imports/new' },
  ...SEND_TO_EHR_NAV_LINKS.map((l) => ({ to: l.to, label: l.label, active: under(l.to) })),
  { to: SYNC_NAV_LINK.to, label: SYNC_NAV_LINK.label, active: under(SYNC_NAV_LINK.to) },
  { to: RECONCILE_NAV_LINK.to, label: RECONCILE_NAV_LINK.label, active: under(RECONCILE_NAV_LINK.to) },
  { to: API_KEYS_PATH, label: 'API keys', active: under(API_KEYS_PATH) },
  // The OpenAPI page (fastify swagger-ui), for the integration team.
  { to: '/docs', label: 'API docs', active: () => false, external: true },
];
