import { Alert, Button, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { ROW_STATUS_LABELS } from '../../flows/bulk-import/row-labels.js';
import { useRuns } from '../api/queries.js';
import type { RunSummary } from '../api/types.js';
import { formatCount, formatDateTime } from '../format/format.js';
import { ResponsiveTable, type Column } from '../layout/responsive-table.js';
import { AppLink } from '../router/app-link.js';
import { navigate, runPath } from '../router/router.js';
import { RECORD_TYPE_LABELS } from '../wizard/wizard-types.js';
import { StatusBadge } from './status-badge.js';
import { WorkersPanel } from './workers-panel.js';

const RUN_COLUMNS: Column<RunSummary>[] = [
  { key: 'file', label: 'File', render: (r) => <AppLink to={runPath(r.id)}>{r.fileName ?? `Import ${r.id}`}</AppLink> },
  { key: 'records', label: 'Records', render: (r) => RECORD_TYPE_LABELS[r.recordType]?.title ?? r.recordType },
  { key: 'status', label: 'Status', render: (r) => <StatusBadge status={r.status} size="sm" /> },
  { key: 'lines', label: 'Lines', align: 'right', render: (r) => formatCount(r.totalRows) },
  { key: 'created', label: ROW_STATUS_LABELS.created, align: 'right', render: (r) => formatCount(r.counts.created) },
  { key: 'updated', label: ROW_STATUS_LABELS.updated, align: 'right', render: (r) => formatCount(r.counts.updated) },
  // Every outcome, in the words of the run page and the report (row-labels.ts).
  { key: 'skipped', label: ROW_STATUS_LABELS.skipped, align: 'right', render: (r) => formatCount(r.counts.skipped) },
  { key: 'failed', label: ROW_STATUS_LABELS.failed, align: 'right', render: (r) => formatCount(r.counts.failed) },
  { key: 'left-out', label: ROW_STATUS_LABELS.invalid, align: 'right', render: (r) => formatCount(r.counts.invalid) },
  { key: 'cancelled', label: ROW_STATUS_LABELS.cancelled, align: 'right', render: (r) => formatCount(r.counts.cancelled) },
  { key: 'started', label: 'Started', render: (r) => formatDateTime(r.startedAt ?? r.createdAt) },
];

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
        <ResponsiveTable label="Imports" data={items} columns={RUN_COLUMNS} rowKey={(r) => String(r.id)} minWidth={760} tableProps={{ highlightOnHover: true }} />
      )}
      <WorkersPanel runs={items} />
    </Stack>
  );
}
