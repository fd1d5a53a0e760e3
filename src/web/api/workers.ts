/**
 * The queue's worker processes as `GET /api/workers` answers (src/queue/worker-status.ts), for
 * the status panel of the imports page. Polled while the page is open: a worker that dies shows
 * as "stopped answering" and then disappears when a live one takes its work over.
 */
import { useQuery } from '@tanstack/react-query';
import { api } from './http.js';

// The server's own shapes (a type-only import: nothing server-side is bundled).
export type { WorkersStatus, WorkerView } from '../../queue/worker-status.js';
import type { WorkersStatus } from '../../queue/worker-status.js';

export const WORKERS_QUERY_KEY = ['workers'] as const;

/** How often the panel asks again; heartbeats are written every few seconds, so no faster. */
export const WORKERS_REFRESH_MS = 5_000;

export function useWorkers() {
  return useQuery({
    queryKey: WORKERS_QUERY_KEY,
    queryFn: () => api<WorkersStatus>('/api/workers'),
    refetchInterval: WORKERS_REFRESH_MS,
    refetchIntervalInBackground: false,
  });
}
