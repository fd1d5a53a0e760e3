/**
 * The import wizard's calls for the preview step: what a checked import would change, and the
 * server's problem lines with who they are about and the value read.
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { ChangePreview } from '../../flows/bulk-import/change-preview.js';
import { api } from './http.js';
import type { PagedResponse } from './types.js';
import type { ProblemLineInput } from '../problems/problem-table.js';

export type { ChangePreview };

/** GET /api/imports/:id/preview with the wizard's current boxes (nothing is sent to OnCall). */
export function useChangePreview(runId: string | null, choices: { updateExisting: boolean; moveBetweenDivisions: boolean }) {
  const qs = new URLSearchParams({ updateExisting: String(choices.updateExisting), moveBetweenDivisions: String(choices.moveBetweenDivisions) });
  return useQuery({
    queryKey: ['imports', runId ?? '', 'preview', choices.updateExisting, choices.moveBetweenDivisions],
    queryFn: () => api<ChangePreview>(`/api/imports/${encodeURIComponent(runId ?? '')}/preview?${qs}`),
    enabled: runId !== null,
    staleTime: Infinity,
    placeholderData: keepPreviousData,
    retry: false,
  });
}

/** The lines the server check left out, with the patient, the column and the value of each problem. */
export function useProblemLines(runId: string | null, offset: number, limit: number, enabled = true) {
  return useQuery({
    queryKey: ['imports', runId ?? '', 'problem-lines', offset, limit],
    queryFn: () => api<PagedResponse<ProblemLineInput>>(`/api/imports/${encodeURIComponent(runId ?? '')}/problem-lines?offset=${offset}&limit=${limit}`),
    enabled: enabled && runId !== null,
    placeholderData: keepPreviousData,
  });
}
