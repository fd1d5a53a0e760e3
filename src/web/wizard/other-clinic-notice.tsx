import { Alert, Checkbox, Loader, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { RecordType } from '../../domain/identifiers.js';
import type { Preflight } from '../../flows/bulk-import/import-service.js';
import { api } from '../api/http.js';
import { formatCount } from '../format/format.js';

/**
 * Before the run: records of this file that already live in another clinic (OnCall division).
 * They are never moved as a side effect: the run leaves them where they are unless the person
 * ticks the box, which the start call sends as `moveBetweenDivisions`.
 */
export function OtherClinicNotice(props: { runId: string; recordType: RecordType; move: boolean; onMove: (move: boolean) => void }) {
  const pre = useQuery({
    queryKey: ['imports', props.runId, 'preflight'],
    queryFn: () => api<Preflight>(`/api/imports/${encodeURIComponent(props.runId)}/preflight`),
    staleTime: Infinity,
  });
  if (pre.isPending) return <Loader size="xs" aria-label="Looking for records in other clinics" />;
  if (!pre.data || pre.data.inAnotherDivision === 0) return null;
  const n = pre.data.inAnotherDivision;
  const what = props.recordType === 'contacts' ? (n === 1 ? 'patient is' : 'patients are') : n === 1 ? 'appointment is' : 'appointments are';
  return (
    <Alert color="orange" title="Already in another clinic" data-testid="other-clinic-notice">
      <Text size="sm">
        {formatCount(n)} {what} already in another clinic (for example line {pre.data.sample.map((s) => s.line).join(', ')}).{' '}
        {props.move ? 'They will be moved into this clinic and take the values of this file.' : 'They will be left where they are, and nothing is created for them here.'}
      </Text>
      <Checkbox
        mt="xs"
        label="Move them into this clinic"
        checked={props.move}
        onChange={(e) => props.onMove(e.currentTarget.checked)}
        data-testid="move-between-clinics"
      />
    </Alert>
  );
}
