/** API keys of the engine API (`/api/api-keys`): list, create (the key is shown once), revoke. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/http.js';

export interface ApiKeyView {
  id: string;
  name: string;
  /** The key's first characters ("ehrb_abc123"), to tell keys apart; the rest is never kept. */
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface CreatedApiKey {
  id: string;
  name: string;
  key: string;
  prefix: string;
}

const KEY = ['api-keys'] as const;

export function useApiKeys() {
  return useQuery({ queryKey: KEY, queryFn: ({ signal }) => api<{ items: ApiKeyView[] }>('/api/api-keys', { signal }) });
}

export function useCreateApiKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => api<CreatedApiKey>('/api/api-keys', { method: 'POST', body: { name } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: KEY }),
  });
}

export function useRevokeApiKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<unknown>(`/api/api-keys/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    onSuccess: () => qc.invalidateQueries({ queryKey: KEY }),
  });
}
