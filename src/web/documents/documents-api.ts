/**
 * The documents page's server state: sendings to hospital EHRs (`/api/documents`), one
 * sending's deliveries and attempts, and the re-send of a failed one.
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { DeliveryStatus } from '../../flows/send-to-ehr/types.js';
import { api } from '../api/http.js';

export type { DeliveryStatus };

export interface DocumentRow {
  transactionId: string;
  createdAt: string;
  client: { id: string; name: string };
  patientId: string;
  encounterId: string | null;
  contentType: string;
  documentType: string;
  title: string | null;
  size: number;
  route: string;
  controlId: string;
  documentPurged: boolean;
  status: DeliveryStatus;
  statusReason: string | null;
  deliveries: number;
  attempts: number;
  sentAt: string | null;
  updatedAt: string;
  nextAttemptAt: string | null;
}

export interface DocumentList {
  total: number;
  items: DocumentRow[];
  routes: string[];
}

export interface AttemptView {
  attempt: number;
  startedAt: string;
  finishedAt: string | null;
  outcome: string | null;
  ackCode: string | null;
  detail: string | null;
}

export interface DeliveryDetail {
  id: string;
  seq: number;
  route: string;
  format: string;
  transport: string;
  status: DeliveryStatus;
  statusReason: string | null;
  attempts: number;
  createdAt: string;
  updatedAt: string;
  sentAt: string | null;
  finishedAt: string | null;
  nextAttemptAt: string | null;
  messageName: string | null;
  messagePreview: string | null;
  attemptLog: AttemptView[];
  events: { status: string; reason: string | null; at: string }[];
}

export interface DocumentDetail {
  transactionId: string;
  createdAt: string;
  client: { id: string; name: string };
  patientId: string;
  encounterId: string | null;
  contentType: string;
  documentType: string;
  title: string | null;
  senderRpps: string | null;
  size: number;
  sha256: string;
  route: string;
  controlId: string;
  trackingUntil: string;
  documentPurgedAt: string | null;
  canResend: boolean;
  deliveries: DeliveryDetail[];
}

export interface DocumentFilters {
  status?: DeliveryStatus | '';
  route?: string;
  q?: string;
  offset?: number;
  limit?: number;
}

const ACTIVE: readonly DeliveryStatus[] = ['preparation', 'in-progress'];

export function documentsQueryString(f: DocumentFilters): string {
  const p = new URLSearchParams();
  if (f.status) p.set('status', f.status);
  if (f.route) p.set('route', f.route);
  if (f.q?.trim()) p.set('q', f.q.trim());
  p.set('limit', String(f.limit ?? 50));
  p.set('offset', String(f.offset ?? 0));
  return p.toString();
}

export function useDocuments(filters: DocumentFilters) {
  return useQuery({
    queryKey: ['documents', filters],
    queryFn: ({ signal }) => api<DocumentList>(`/api/documents?${documentsQueryString(filters)}`, { signal }),
    placeholderData: keepPreviousData,
    // Deliveries move on their own: poll while any shown row is still moving.
    refetchInterval: (q) => (q.state.data?.items.some((i) => ACTIVE.includes(i.status)) ? 2000 : 15_000),
  });
}

export function useDocument(id: string) {
  return useQuery({
    queryKey: ['documents', 'one', id],
    queryFn: ({ signal }) => api<DocumentDetail>(`/api/documents/${encodeURIComponent(id)}`, { signal }),
    refetchInterval: (q) => (q.state.data?.deliveries.some((d) => ACTIVE.includes(d.status)) ? 1000 : false),
  });
}

export function useResend(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api<{ deliveryId: string }>(`/api/documents/${encodeURIComponent(id)}/resend`, { method: 'POST', body: {} }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['documents'] }),
  });
}
