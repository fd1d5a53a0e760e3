import { Alert, Button, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useRuns } from '../api/queries.js';
import { formatCount, formatDateTime } from '../format/format.js';
import { AppLink } from '../router/app-link.js';
import { navigate, runPath } from '../router/router.js';
import { RECORD_TYPE_LABELS } from '../wizard/wizard-types.js';
import { StatusBadge } from './status-badge.js';
import { WorkersPanel } from './workers-panel.js';

export function ImportsListPage() {
  const runs = useRuns();
  const items = runs.data?.items ?? [];
  return (
    <Stack gap="lg">
      <Group justify="space-between">
        <Title order={1} size="h2">
          Imports
        </Title>
        <Button onClick={() => navigate('/imports/new')}>New import</Button>
      </Group>
      {runs.isPending && <Loader aria-label="Loading imports" />}
      {runs.isError && (
        <Alert color="red" role="alert" title="The list could not be loaded">
          {runs.error.message}
        </Alert>
      )}
      {runs.isSuccess && items.length === 0 && (
        <Text c="dimmed">
          No imports yet. Start with <AppLink to="/imports/new">a new import</AppLink>.
        </Text>
      )}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={760}>
          <Table highlightOnHover verticalSpacing="sm" aria-label="Imports">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>File</Table.Th>
                <Table.Th>Records</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th ta="right">Lines</Table.Th>
                <Table.Th ta="right">Created</Table.Th>
                <Table.Th ta="right">Updated</Table.Th>
                <Table.Th ta="right">Failed</Table.Th>
                <Table.Th ta="right">Left out</Table.Th>
                <Table.Th>Started</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((r) => (
                <Table.Tr key={String(r.id)}>
                  <Table.Td>
                    <AppLink to={runPath(r.id)}>{r.fileName ?? `Import ${r.id}`}</AppLink>
                  </Table.Td>
                  <Table.Td>{RECORD_TYPE_LABELS[r.recordType]?.title ?? r.recordType}</Table.Td>
                  <Table.Td>
                    <StatusBadge status={r.status} size="sm" />
                  </Table.Td>
                  <Table.Td ta="right">{formatCount(r.totalRows)}</Table.Td>
                  <Table.Td ta="right">{formatCount(r.counts.created)}</Table.Td>
                  <Table.Td ta="right">{formatCount(r.counts.updated)}</Table.Td>
                  <Table.Td ta="right">{formatCount(r.counts.failed)}</Table.Td>
                  <Table.Td ta="right">{formatCount(r.counts.invalid)}</Table.Td>
                  <Table.Td>{formatDateTime(r.startedAt ?? r.createdAt)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <WorkersPanel runs={items} />
    </Stack>
  );
}
