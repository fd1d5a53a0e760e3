import { useQuery } from '@tanstack/react-query';
import type { RecordView } from '../../flows/bulk-import/oncall-record.js';
import { api } from './http.js';

export type { RecordView } from '../../flows/bulk-import/oncall-record.js';

/** A report line's OnCall record as OnCall holds it now (read by the engine); off until `url` is set. */
export function useOnCallRecord(url: string | null) {
  return useQuery({
    queryKey: ['oncall', 'record', url],
    queryFn: () => api<RecordView>(`/api/oncall/record?url=${encodeURIComponent(url ?? '')}`),
    enabled: url !== null,
    retry: false,
    staleTime: 30_000,
  });
}
