/**
 * The match reviews' server state (issue 9: "an uncertain match ... waits for a person in the
 * reconciliation page"): the open reviews (`/api/sync/reviews`) and a person's decision.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/http.js';

export type ReviewDecisionName = 'link' | 'create' | 'ignore';

export interface ReviewCandidate {
  emrId: string;
  name: string | null;
  birthDate: string | null;
  /** false: the EMR no longer has the patient; null: not read. */
  found: boolean | null;
}

export interface MatchReview {
  id: number;
  kind: string;
  platformUrl: string;
  status: 'open' | 'linked' | 'created' | 'ignored';
  reason: string;
  candidates: ReviewCandidate[];
  messageId: number | null;
  createdAt: string;
}

/** New reviews come from the scans and webhooks in the background: looked for again now and then. */
const REVIEWS_REFRESH_MS = 15_000;

export function useOpenReviews() {
  return useQuery({
    queryKey: ['sync', 'reviews', 'open'],
    queryFn: ({ signal }) => api<{ reviews: MatchReview[] }>('/api/sync/reviews?status=open', { signal }),
    refetchInterval: REVIEWS_REFRESH_MS,
  });
}

export function useDecideReview() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: { id: number; decision: ReviewDecisionName; emrId?: string }) =>
      api<{ review: MatchReview; reprocessing: boolean }>(`/api/sync/reviews/${v.id}/decision`, {
        method: 'POST',
        body: { decision: v.decision, ...(v.emrId ? { emrId: v.emrId } : {}) },
      }),
    onSettled: () => qc.invalidateQueries({ queryKey: ['sync', 'reviews'] }),
  });
}
