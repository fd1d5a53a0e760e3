import { Alert, Group, Loader, Pagination, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { formatBytes, formatCount, formatDateTime } from '../format/format.js';
import { ResponsiveTable, type Column } from '../layout/responsive-table.js';
import { AppLink } from '../router/app-link.js';
import { DELIVERY_STATUS_TEXT, DeliveryStatusBadge } from './delivery-status.js';
import { useDocuments, type DeliveryStatus, type DocumentRow } from './documents-api.js';
import { documentPath } from './paths.js';

const PAGE = 50;

const COLUMNS: Column<DocumentRow>[] = [
  { key: 'received', label: 'Received', render: (d) => <AppLink to={documentPath(d.transactionId)}>{formatDateTime(d.createdAt)}</AppLink> },
  {
    key: 'title',
    label: 'Title',
    render: (d) => (
      <>
        <Text size="sm" lineClamp={1} maw={280}>
          {d.title ?? '–'}
        </Text>
        <Text size="xs" c="dimmed">
          {d.contentType} · LOINC {d.documentType}
        </Text>
      </>
    ),
  },
  {
    key: 'status',
    label: 'Status',
    render: (d) => (
      <>
        <DeliveryStatusBadge status={d.status} size="sm" />
        {d.statusReason && d.status !== 'completed' && (
          <Text size="xs" c="dimmed" lineClamp={2} maw={260}>
            {d.statusReason}
          </Text>
        )}
      </>
    ),
  },
  { key: 'route', label: 'Route', render: (d) => d.route },
  { key: 'from', label: 'From', render: (d) => d.client.name },
  { key: 'size', label: 'Size', align: 'right', render: (d) => formatBytes(d.size) },
  { key: 'attempts', label: 'Attempts', align: 'right', render: (d) => formatCount(d.attempts) },
  { key: 'delivered', label: 'Delivered', render: (d) => formatDateTime(d.sentAt) },
];

/**
 * Documents sent to hospital EHRs (/documents): the latest status of each sending, filters by
 * status, route and id, and a link to its deliveries. Patient names are not shown here: the
 * list carries ids only, the message itself is on the sending's page.
 */
export function DocumentsPage() {
  const [status, setStatus] = useState<DeliveryStatus | ''>('');
  const [route, setRoute] = useState('');
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const docs = useDocuments({ status, route, q, offset: (page - 1) * PAGE, limit: PAGE });
  const items = docs.data?.items ?? [];
  const total = docs.data?.total ?? 0;
  const filtered = status !== '' || route !== '' || q.trim() !== '';

  return (
    <Stack gap="lg">
      <Title order={1} size="h2">
        Documents to EHRs
      </Title>
      <Group align="end" gap="md">
        <Select
          label="Status"
          placeholder="All"
          clearable
          value={status || null}
          onChange={(v) => {
            setStatus((v ?? '') as DeliveryStatus | '');
            setPage(1);
          }}
          data={Object.entries(DELIVERY_STATUS_TEXT).map(([value, s]) => ({ value, label: s.label }))}
          clearButtonProps={{ 'aria-label': 'Show every status' }}
          w={180}
        />
        <Select
          label="EHR route"
          placeholder="All"
          clearable
          value={route || null}
          onChange={(v) => {
            setRoute(v ?? '');
            setPage(1);
          }}
          data={docs.data?.routes ?? []}
          clearButtonProps={{ 'aria-label': 'Show every route' }}
          w={180}
        />
        <TextInput
          label="Transaction, patient or control id"
          value={q}
          onChange={(e) => {
            setQ(e.currentTarget.value);
            setPage(1);
          }}
          w={340}
        />
      </Group>
      {docs.isPending && <Loader aria-label="Loading documents" />}
      {docs.isError && (
        <Alert color="red" role="alert" title="The list could not be loaded">
          {docs.error.message}
        </Alert>
      )}
      {docs.isSuccess && items.length === 0 && (
        // "No document matches" read as an error when nothing had ever been sent.
        <Text c="dimmed">{filtered ? 'No document matches.' : 'No document has been sent yet.'}</Text>
      )}
      {items.length > 0 && <ResponsiveTable label="Documents" data={items} columns={COLUMNS} rowKey={(d) => d.transactionId} minWidth={900} tableProps={{ highlightOnHover: true }} />}
      {total > PAGE && <Pagination total={Math.ceil(total / PAGE)} value={page} onChange={setPage} aria-label="Pages" />}
    </Stack>
  );
}
