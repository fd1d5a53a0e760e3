/**
 * The Reconciliation page's server state (issue 9): runs (`/api/reconcile/runs`), one run with
 * a page of its findings, and the actions on a finding.
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Finding, FindingKind, ReconcileSummary, ReconcileType } from '../../flows/reconcile/findings.js';
import type { ActionRecord, RunView } from '../../flows/reconcile/runs.js';
import type { ReconcileAction } from '../../flows/reconcile/actions.js';
import { api } from '../api/http.js';

export type { Finding, FindingKind, ReconcileAction, ReconcileSummary, ReconcileType, RunView };

export const REFRESH_MS = 1000;
export const PAGE_SIZE = 50;

export type FindingRow = Finding & { action: ActionRecord | null };

export interface RunPage {
  run: RunView;
  findings: FindingRow[];
  nextCursor: number | null;
}

export interface ActionAnswer extends ActionRecord {
  repeated: boolean;
}

export function useRuns() {
  return useQuery({
    queryKey: ['reconcile', 'runs'],
    queryFn: ({ signal }) => api<{ runs: RunView[] }>('/api/reconcile/runs', { signal }),
  });
}

/** One run and a page of its findings: those after finding number `cursor` (0: the first page). */
export function useRun(id: string | null, kind: FindingKind | '', cursor: number) {
  return useQuery({
    queryKey: ['reconcile', 'run', id, kind, cursor],
    enabled: id !== null,
    queryFn: ({ signal }) => {
      const q = new URLSearchParams({ limit: String(PAGE_SIZE), cursor: String(cursor) });
      if (kind) q.set('finding', kind);
      return api<RunPage>(`/api/reconcile/runs/${encodeURIComponent(id as string)}?${q.toString()}`, { signal });
    },
    placeholderData: keepPreviousData,
    // Polled while the run goes on, then it no longer changes except by our own actions.
    refetchInterval: (q) => (q.state.data?.run.status === 'running' ? REFRESH_MS : false),
  });
}

export function useStartRun() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (type: ReconcileType) => api<{ run: RunView }>('/api/reconcile/runs', { method: 'POST', body: { type } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['reconcile', 'runs'] }),
  });
}

export function useAct(runId: string | null) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: { n: number; action: ReconcileAction; oncallUrl?: string; emrId?: string }) =>
      api<ActionAnswer>(`/api/reconcile/runs/${encodeURIComponent(runId ?? '')}/findings/${v.n}/actions`, {
        method: 'POST',
        body: { action: v.action, ...(v.oncallUrl ? { oncallUrl: v.oncallUrl } : {}), ...(v.emrId ? { emrId: v.emrId } : {}) },
      }),
    onSettled: () => qc.invalidateQueries({ queryKey: ['reconcile', 'run', runId] }),
  });
}
