/**
 * The Sync page's server state (issue 8, "Seeing it work"): the channels and backlog
 * (`/api/sync/status`), the message store (`/api/messages`) and reprocessing
 * (`/api/messages/:id/reprocess`, `/api/messages/reprocess`).
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ChannelStatus, SyncStatus } from '../../flows/sync/channel.js';
import type { MessageStatus, MessageSummary, MessageTraceEvent } from '../../messages/types.js';
import { api } from '../api/http.js';

export type { ChannelStatus, MessageStatus, MessageSummary, MessageTraceEvent, SyncStatus };

/** Polling period while the page is visible (react-query pauses it in a hidden tab). */
export const REFRESH_MS = 2500;

/** `GET /api/messages/:id`: the summary plus the message and ACK as text, and the trace. */
export interface MessageView extends MessageSummary {
  remoteAddress: string | null;
  contentHash: string;
  rawTruncated: boolean;
  raw: string;
  rawCharset: string;
  ack: string | null;
  trace: MessageTraceEvent[];
}

export interface MessageFilters {
  status?: MessageStatus | '';
  /** `ADT`, or `ADT^A08`. */
  type?: string;
  patient?: string;
  channel?: string;
  /** ISO date-times. */
  since?: string;
  before?: string;
}

export interface MessageList {
  items: MessageSummary[];
  next: string | null;
}

export interface ReprocessAnswer {
  requeued: number;
  ids: number[];
  /** Bulk: messages still matching past the per-call bound (another press takes them). */
  left?: number;
}

export function messagesQueryString(f: MessageFilters, limit = 50): string {
  const p = new URLSearchParams();
  if (f.status) p.set('status', f.status);
  if (f.type) p.set('type', f.type);
  if (f.patient?.trim()) p.set('patient', f.patient.trim());
  if (f.channel) p.set('channel', f.channel);
  if (f.since) p.set('since', f.since);
  if (f.before) p.set('before', f.before);
  p.set('limit', String(limit));
  return p.toString();
}

export function useSyncStatus() {
  return useQuery({
    queryKey: ['sync', 'status'],
    queryFn: ({ signal }) => api<SyncStatus>('/api/sync/status', { signal }),
    refetchInterval: REFRESH_MS,
  });
}

export function useMessages(filters: MessageFilters) {
  return useQuery({
    queryKey: ['sync', 'messages', filters],
    queryFn: ({ signal }) => api<MessageList>(`/api/messages?${messagesQueryString(filters)}`, { signal }),
    placeholderData: keepPreviousData,
    refetchInterval: REFRESH_MS,
  });
}

export function useMessage(id: number) {
  return useQuery({
    queryKey: ['sync', 'message', id],
    queryFn: ({ signal }) => api<MessageView>(`/api/messages/${id}`, { signal }),
    // Only while it can still change: waiting for the processor.
    refetchInterval: (q) => (q.state.data && q.state.data.status !== 'received' ? false : REFRESH_MS),
  });
}

export function useReprocessOne() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => api<ReprocessAnswer>(`/api/messages/${id}/reprocess`, { method: 'POST', body: {} }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['sync'] }),
  });
}

/** Bulk reprocessing: the failed messages matching the page's filters. */
export function useReprocessMany() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { status: MessageStatus; type?: string; patient?: string; channel?: string; since?: string; before?: string }) =>
      api<ReprocessAnswer>('/api/messages/reprocess', { method: 'POST', body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['sync'] }),
  });
}
