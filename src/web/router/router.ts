/**
 * A very small History-API router: the app has four pages, so a dependency is not worth it.
 * The URL is the source of truth (a reload of /imports/42 lands on the same run).
 */
import { useSyncExternalStore } from 'react';

const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

function snapshot(): string {
  return window.location.pathname + window.location.search;
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.scrollTo({ top: 0 });
  listeners.forEach((l) => l());
}

/** Current path + query, re-rendering on every navigation. */
export function useLocation(): { pathname: string; search: URLSearchParams } {
  const href = useSyncExternalStore(subscribe, snapshot, snapshot);
  const url = new URL(href, window.location.origin);
  return { pathname: url.pathname.replace(/\/+$/, '') || '/', search: url.searchParams };
}

export type Route =
  | { page: 'imports' }
  | { page: 'new-import' }
  | { page: 'run'; runId: string }
  | { page: 'not-found' };

export function matchRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '/imports') return { page: 'imports' };
  if (pathname === '/imports/new') return { page: 'new-import' };
  const run = /^\/imports\/([^/]+)$/.exec(pathname);
  if (run?.[1]) return { page: 'run', runId: decodeURIComponent(run[1]) };
  return { page: 'not-found' };
}

export function runPath(runId: string | number): string {
  return `/imports/${encodeURIComponent(String(runId))}`;
}
