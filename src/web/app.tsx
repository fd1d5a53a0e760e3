import { Center, Loader } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { onUnauthorized } from './api/http.js';
import { queryKeys, useMe } from './api/queries.js';
import { API_KEYS_PATH, ApiKeysPage } from './api-keys/api-keys-page.js';
import { LoginPage } from './auth/login-page.js';
import { CLIENTS_PATH, DOCUMENTS_PATH } from './documents/paths.js';
import { sendToEhrPage } from './documents/send-to-ehr-pages.js';
import { ImportsListPage } from './imports/imports-list-page.js';
import { RunPage } from './imports/run-page.js';
import { AppFrame } from './layout/app-frame.js';
import { NotFoundPage } from './layout/not-found-page.js';
import { usePageTitle } from './layout/page-title.js';
import { matchRoute, useLocation, type Route } from './router/router.js';
import { reconcilePage } from './reconcile/reconcile-pages.js';
import { syncPage } from './sync/sync-pages.js';
import { NewImportPage } from './wizard/new-import-page.js';

/** Sign-in first; then the page the URL names (a reload keeps the user where they were). */
export function App() {
  const me = useMe();
  const qc = useQueryClient();
  const { pathname } = useLocation();

  // Any call answering 401 (session expired in another tab, server restarted) shows sign-in.
  useEffect(() => onUnauthorized(() => qc.setQueryData(queryKeys.me, null)), [qc]);

  const route = matchRoute(pathname);
  const apiKeys = route.page === 'not-found' && pathname === API_KEYS_PATH;
  const documentsPage = route.page === 'not-found' && !apiKeys ? sendToEhrPage(pathname) : null;
  const sync = route.page === 'not-found' && !apiKeys && !documentsPage ? (syncPage(pathname) ?? reconcilePage(pathname)) : null;
  usePageTitle(me.isPending ? 'Loading' : !me.data ? 'Sign in' : (sync?.title ?? pageTitle(route, pathname, documentsPage !== null)));

  if (me.isPending) {
    return (
      <Center h="100vh">
        <Loader aria-label="Loading" />
      </Center>
    );
  }
  if (!me.data) return <LoginPage />;

  return (
    <AppFrame user={me.data.user}>
      {route.page === 'imports' && <ImportsListPage />}
      {route.page === 'new-import' && <NewImportPage />}
      {route.page === 'run' && <RunPage key={route.runId} runId={route.runId} />}
      {apiKeys && <ApiKeysPage />}
      {route.page === 'not-found' && !apiKeys && (documentsPage ?? sync?.element ?? <NotFoundPage />)}
    </AppFrame>
  );
}

/** The browser tab's title of each page ("<Page> · ehr-bridge"), named like the page's heading. */
function pageTitle(route: Route, pathname: string, isDocumentsPage: boolean): string {
  switch (route.page) {
    case 'imports':
      return 'Imports';
    case 'new-import':
      return 'New import';
    case 'run':
      return 'Import';
    case 'not-found':
      if (pathname === API_KEYS_PATH) return 'API keys';
      if (!isDocumentsPage) return 'Page not found';
      if (pathname === DOCUMENTS_PATH) return 'Documents to EHRs';
      if (pathname === CLIENTS_PATH) return 'API clients';
      return 'Document';
  }
}
