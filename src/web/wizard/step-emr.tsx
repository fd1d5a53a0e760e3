import { Alert, Group, Loader, ScrollArea, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { MappingTemplate } from '../../flows/bulk-import/mapping/template.js';
import { api } from '../api/http.js';
import { formatCount } from '../format/format.js';

/** What GET /api/imports/emr/preview answers: the EMR's first appointments as mapping columns. */
export interface EmrPreview {
  resource: 'Appointment';
  columns: string[];
  rows: string[][];
  suggested: MappingTemplate;
}

/** Columns worth showing in the sample table (the rest are in the matching step's lists). */
const SHOWN = ['appointmentType', 'serviceType.display', 'description', 'start', 'minutesDuration', 'practitioner.display', 'location.display', 'status'];

interface Props {
  preview: EmrPreview | null;
  onPreview: (p: EmrPreview) => void;
}

/**
 * Step 2 of an EMR pull: instead of a file, the first appointments read from the EMR, so the
 * next step matches their FHIR fields as it matches a file's columns. Nothing is kept yet.
 */
export function StepEmr({ preview, onPreview }: Props) {
  const q = useQuery({
    queryKey: ['emr-preview', 'Appointment'],
    queryFn: () => api<EmrPreview>('/api/imports/emr/preview?resource=Appointment&limit=20'),
    staleTime: 60_000,
  });
  useEffect(() => {
    if (q.data && q.data !== preview) onPreview(q.data);
  }, [q.data]); // eslint-disable-line react-hooks/exhaustive-deps

  const shown = (preview?.columns ?? []).map((c, i) => [c, i] as const).filter(([c]) => SHOWN.includes(c));
  return (
    <Stack gap="md">
      <Title order={2} size="h3">
        Appointments in the EMR
      </Title>
      <Text size="sm">
        The appointments are read straight from the EMR (FHIR). Here are the first ones; in the next step you choose
        which of their fields become each OnCall field. Nothing is sent yet.
      </Text>
      {q.isPending && (
        <Group gap="xs">
          <Loader size="xs" aria-hidden />
          <Text size="sm">Reading the EMR…</Text>
        </Group>
      )}
      {q.error && (
        <Alert color="red" role="alert" title="The EMR could not be read">
          {q.error.message}
        </Alert>
      )}
      {preview && (
        <>
          <Text size="sm" data-testid="emr-status">
            Read {formatCount(preview.rows.length)} sample appointments from the EMR.
          </Text>
          <ScrollArea type="auto">
            <Table striped withTableBorder aria-label="First appointments in the EMR" fz="xs">
              <Table.Thead>
                <Table.Tr>
                  {shown.map(([c]) => (
                    <Table.Th key={c}>{c}</Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {preview.rows.slice(0, 8).map((r, k) => (
                  <Table.Tr key={k}>
                    {shown.map(([c, i]) => (
                      <Table.Td key={c}>{r[i]}</Table.Td>
                    ))}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
        </>
      )}
    </Stack>
  );
}
