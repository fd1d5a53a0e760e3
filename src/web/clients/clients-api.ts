/** OAuth clients of the FHIR API (`/api/oauth-clients`): list, create (secret shown once), revoke. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../api/http.js';

export interface OauthClientView {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface OauthClientList {
  items: OauthClientView[];
  scopes: { functional: Record<string, string[]>; known: string[] };
}

const KEY = ['oauth-clients'] as const;

export function useOauthClients() {
  return useQuery({ queryKey: KEY, queryFn: ({ signal }) => api<OauthClientList>('/api/oauth-clients', { signal }) });
}

export function useCreateOauthClient() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { name: string; scopes: string[] }) => api<OauthClientView & { secret: string }>('/api/oauth-clients', { method: 'POST', body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: KEY }),
  });
}

export function useRevokeOauthClient() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api<unknown>(`/api/oauth-clients/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    onSuccess: () => qc.invalidateQueries({ queryKey: KEY }),
  });
}
