import { Center, Loader } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { onUnauthorized } from './api/http.js';
import { queryKeys, useMe } from './api/queries.js';
import { LoginPage } from './auth/login-page.js';
import { sendToEhrPage } from './documents/send-to-ehr-pages.js';
import { ImportsListPage } from './imports/imports-list-page.js';
import { RunPage } from './imports/run-page.js';
import { AppFrame } from './layout/app-frame.js';
import { NotFoundPage } from './layout/not-found-page.js';
import { matchRoute, useLocation } from './router/router.js';
import { NewImportPage } from './wizard/new-import-page.js';

/** Sign-in first; then the page the URL names (a reload keeps the user where they were). */
export function App() {
  const me = useMe();
  const qc = useQueryClient();
  const { pathname } = useLocation();

  // Any call answering 401 (session expired in another tab, server restarted) shows sign-in.
  useEffect(() => onUnauthorized(() => qc.setQueryData(queryKeys.me, null)), [qc]);

  if (me.isPending) {
    return (
      <Center h="100vh">
        <Loader aria-label="Loading" />
      </Center>
    );
  }
  if (!me.data) return <LoginPage />;

  const route = matchRoute(pathname);
  const documentsPage = route.page === 'not-found' ? sendToEhrPage(pathname) : null;
  return (
    <AppFrame user={me.data.user}>
      {route.page === 'imports' && <ImportsListPage />}
      {route.page === 'new-import' && <NewImportPage />}
      {route.page === 'run' && <RunPage key={route.runId} runId={route.runId} />}
      {route.page === 'not-found' && (documentsPage ?? <NotFoundPage />)}
    </AppFrame>
  );
}
