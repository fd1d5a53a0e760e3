/**
 * react-query hooks over the engine's API: one per resource, so pages never build URLs.
 * Server state (runs, templates, platform lists) lives here; wizard state lives in the wizard.
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import type { RecordType } from '../../domain/identifiers.js';
import type { MappingTemplate } from '../../flows/bulk-import/mapping/template.js';
import { api, ApiError } from './http.js';
import {
  isFinished, type Division, type ListResponse, type MeResponse, type OnCallSettings, type PagedResponse,
  type ProblemLine, type Provider, type RunRow, type RunSummary, type SavedTemplate,
} from './types.js';

export const queryKeys = {
  me: ['me'] as const,
  divisions: ['oncall', 'divisions'] as const,
  providers: ['oncall', 'providers'] as const,
  settings: ['oncall', 'settings'] as const,
  templates: (recordType: RecordType) => ['templates', recordType] as const,
  runs: ['runs'] as const,
  run: (id: string) => ['runs', id] as const,
  problems: (id: string, offset: number, limit: number) => ['runs', id, 'problems', offset, limit] as const,
  rows: (id: string, status: string, offset: number, limit: number) => ['runs', id, 'rows', status, offset, limit] as const,
};

/** The signed-in user, or null when the session is missing or expired (never an error). */
export function useMe() {
  return useQuery({
    queryKey: queryKeys.me,
    queryFn: async () => {
      try {
        return await api<MeResponse>('/api/auth/me', { quietUnauthorized: true });
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return null;
        throw e;
      }
    },
    staleTime: 60_000,
    retry: false,
  });
}

export function useLogin() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { user: string; password: string }) =>
      api<MeResponse>('/api/auth/login', { method: 'POST', body, quietUnauthorized: true }),
    onSuccess: (me) => {
      // Another user's cached data must not show; the session query itself is kept (its
      // observer is the App, which must see the new value).
      qc.removeQueries({ predicate: (q) => q.queryKey[0] !== 'me' });
      qc.setQueryData(queryKeys.me, me);
    },
  });
}

export function useLogout() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api<unknown>('/api/auth/logout', { method: 'POST', body: {} }),
    onSettled: () => {
      qc.setQueryData(queryKeys.me, null);
      qc.removeQueries({ predicate: (q) => q.queryKey[0] !== 'me' });
    },
  });
}

export function useDivisions() {
  return useQuery({
    queryKey: queryKeys.divisions,
    queryFn: () => api<ListResponse<Division>>('/api/targets/oncall/divisions'),
    staleTime: 5 * 60_000,
  });
}

export function useProviders() {
  return useQuery({
    queryKey: queryKeys.providers,
    queryFn: () => api<ListResponse<Provider>>('/api/targets/oncall/providers'),
    staleTime: 5 * 60_000,
  });
}

export function useOnCallSettings() {
  return useQuery({
    queryKey: queryKeys.settings,
    queryFn: () => api<OnCallSettings>('/api/targets/oncall/settings'),
    staleTime: 5 * 60_000,
  });
}

export function useTemplates(recordType: RecordType) {
  return useQuery({
    queryKey: queryKeys.templates(recordType),
    queryFn: () =>
      api<ListResponse<SavedTemplate<MappingTemplate>>>(
        `/api/mapping-templates?target=oncall&recordType=${encodeURIComponent(recordType)}`,
      ),
  });
}

export function useSaveTemplate(recordType: RecordType) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { id?: SavedTemplate['id']; name: string; mapping: MappingTemplate }) =>
      input.id !== undefined
        ? api<SavedTemplate<MappingTemplate>>(`/api/mapping-templates/${encodeURIComponent(String(input.id))}`, {
            method: 'PUT', body: { name: input.name, mapping: input.mapping },
          })
        : api<SavedTemplate<MappingTemplate>>('/api/mapping-templates', {
            method: 'POST', body: { name: input.name, target: 'oncall', recordType, mapping: input.mapping },
          }),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.templates(recordType) }),
  });
}

export function useRuns() {
  return useQuery({
    queryKey: queryKeys.runs,
    queryFn: () => api<ListResponse<RunSummary>>('/api/imports'),
    refetchInterval: (q) =>
      q.state.data?.items.some((r) => r.status === 'running' || r.status === 'staging') ? 2000 : false,
  });
}

/** A run, polled every second while the server is working on it (brief: live progress). */
export function useRun(id: string) {
  return useQuery({
    queryKey: queryKeys.run(id),
    queryFn: () => api<RunSummary>(`/api/imports/${encodeURIComponent(id)}`),
    refetchInterval: (q) => {
      const run = q.state.data;
      if (!run) return 1000;
      if (run.status === 'ready') return false;
      if (!isFinished(run.status)) return 1000;
      // A cancel lets the lines already in flight finish: follow them for a minute more.
      const settling = run.remaining > 0 && run.finishedAt !== null && Date.now() - Date.parse(run.finishedAt) < 60_000;
      return settling ? 1000 : false;
    },
    refetchIntervalInBackground: false,
  });
}

export function useRunProblems(id: string | null, offset: number, limit: number, enabled = true) {
  return useQuery({
    queryKey: queryKeys.problems(id ?? '', offset, limit),
    queryFn: () =>
      api<PagedResponse<ProblemLine>>(`/api/imports/${encodeURIComponent(id ?? '')}/problems?offset=${offset}&limit=${limit}`),
    enabled: enabled && id !== null,
    placeholderData: keepPreviousData,
  });
}

export function useRunRows(id: string, status: string, offset: number, limit: number, live: boolean) {
  const qs = new URLSearchParams({ offset: String(offset), limit: String(limit) });
  if (status !== 'all') qs.set('status', status);
  const query = useQuery({
    queryKey: queryKeys.rows(id, status, offset, limit),
    queryFn: () => api<PagedResponse<RunRow>>(`/api/imports/${encodeURIComponent(id)}/rows?${qs.toString()}`),
    placeholderData: keepPreviousData,
    refetchInterval: live ? 2000 : false,
  });
  // Polling stops when the run ends; the lines' final outcomes were written after the last
  // poll, so read them once more then (a run shorter than the interval was left showing "Sending").
  const wasLive = useRef(live);
  const { refetch } = query;
  useEffect(() => {
    if (wasLive.current && !live) refetch().catch(() => undefined);
    wasLive.current = live;
  }, [live, refetch]);
  return query;
}

export type RunAction = 'start' | 'pause' | 'resume' | 'cancel';

export function useRunAction(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { action: RunAction; updateExisting?: boolean }) =>
      api<RunSummary>(`/api/imports/${encodeURIComponent(id)}/${input.action}`, {
        method: 'POST',
        body: input.action === 'start' && input.updateExisting !== undefined ? { updateExisting: input.updateExisting } : {},
      }),
    onSuccess: (run) => {
      qc.setQueryData(queryKeys.run(id), run);
      void qc.invalidateQueries({ queryKey: queryKeys.runs, exact: true });
    },
  });
}
