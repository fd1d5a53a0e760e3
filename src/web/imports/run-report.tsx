import { Anchor, Badge, Button, Card, Chip, Group, Loader, Pagination, Stack, Text } from '@mantine/core';
import { useMemo, useState } from 'react';
import { useRunRows } from '../api/queries.js';
import type { RowStatus, RunRow, RunSummary } from '../api/types.js';
import { formatCount, sentence } from '../format/format.js';
import { ROW_STATUS_LABELS, UNKNOWN_ROW_STATUS_LABEL } from '../../flows/bulk-import/row-labels.js';
import { detailsText } from '../../flows/bulk-import/problem-words.js';
import { OnCallRecordModal } from './oncall-record-modal.js';
import { ResponsiveTable, type Column } from '../layout/responsive-table.js';

const PAGE = 25;

/**
 * Row results in staff words: the labels are the one table the CSV report uses too
 * (row-labels.ts), so the downloaded file says what the page says. Keyed by the server's own
 * list, so a status it can return without a label here is a compile error. The filter uses the
 * same words.
 */
export const ROW_STATUS = {
  created: { label: ROW_STATUS_LABELS.created, color: 'teal' },
  updated: { label: ROW_STATUS_LABELS.updated, color: 'blue' },
  skipped: { label: ROW_STATUS_LABELS.skipped, color: 'gray' },
  failed: { label: ROW_STATUS_LABELS.failed, color: 'red' },
  invalid: { label: ROW_STATUS_LABELS.invalid, color: 'orange' },
  cancelled: { label: ROW_STATUS_LABELS.cancelled, color: 'gray' },
  pending: { label: ROW_STATUS_LABELS.pending, color: 'gray' },
  in_flight: { label: ROW_STATUS_LABELS.in_flight, color: 'cyan' },
} as const satisfies Record<RowStatus, { label: string; color: string }>;

/** A status this UI does not know yet (a newer server): a plain word, never the raw code. */
const UNKNOWN_STATUS = { label: UNKNOWN_ROW_STATUS_LABEL, color: 'gray' } as const;

export function rowStatusLabel(status: string): { label: string; color: string } {
  return Object.hasOwn(ROW_STATUS, status) ? ROW_STATUS[status as RowStatus] : UNKNOWN_STATUS;
}

type Filter = 'all' | RowStatus;

/** `recordType` names the fields in the details; `openRecord` shows a line's OnCall record in the page (OnCallRecordModal). */
const reportColumns = (recordType: RunSummary['recordType'], openRecord: (url: string) => void): Column<RunRow>[] => [
  { key: 'line', label: 'Line', width: 70, render: (row) => <Text ff="monospace">{row.line}</Text> },
  {
    key: 'result',
    label: 'Result',
    width: 170,
    render: (row) => {
      const s = rowStatusLabel(row.status);
      return (
        <Badge color={s.color} variant="light">
          {s.label}
        </Badge>
      );
    },
  },
  {
    key: 'record',
    label: 'OnCall record',
    render: (row) =>
      row.partnerUrl ? (
        // The API address itself is no page for a person: the record opens here, read by the
        // engine, with a link to OnCall's own page when configured.
        <Anchor component="button" type="button" size="sm" onClick={() => openRecord(row.partnerUrl!)} data-testid="oncall-record-link">
          {shortUrl(row.partnerUrl)}
        </Anchor>
      ) : (
        <Text size="sm" c="dimmed">
          –
        </Text>
      ),
  },
  // The server's words with field keys and clinic paths ("birthDate is in the future"), said as
  // the wizard says them ("Date of birth is in the future"): the same function as the CSV.
  {
    key: 'details',
    label: 'Details',
    render: (row) => <Text size="sm">{sentence(detailsText(recordType, row.message))}</Text>,
    hideInCard: (row) => !row.message,
  },
];

/** Per-line results: what happened, the OnCall record, and why a line failed or was left out. */
export function RunReport({ run, live }: { run: RunSummary; live: boolean }) {
  const [filter, setFilter] = useState<Filter>('all');
  const [page, setPage] = useState(1);
  const [record, setRecord] = useState<string | null>(null);
  const columns = useMemo(() => reportColumns(run.recordType, setRecord), [run.recordType]);
  const rows = useRunRows(String(run.id), filter, (page - 1) * PAGE, PAGE, live);
  const c = run.counts;
  const count = (n: number) => ` (${formatCount(n)})`;
  const option = (value: RowStatus, n: number) => ({
    value: value as Filter, label: `${ROW_STATUS[value].label}${count(n)}`, disabled: n === 0 && value !== filter,
  });
  const filters = [
    { value: 'all' as Filter, label: `All${count(run.totalRows ?? run.done + run.remaining)}`, disabled: false },
    option('created', c.created),
    option('updated', c.updated),
    option('skipped', c.skipped),
    option('failed', c.failed),
    option('invalid', c.invalid),
  ];
  if (c.cancelled > 0) filters.push(option('cancelled', c.cancelled));
  const total = rows.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE));

  return (
    <Card withBorder padding="md">
      <Stack gap="sm">
        <Group justify="space-between">
          <Text fw={600}>Report, line by line</Text>
          <Button
            component="a"
            href={`/api/imports/${encodeURIComponent(String(run.id))}/report.csv`}
            download
            variant="default"
          >
            Download the report (CSV)
          </Button>
        </Group>
        {/* Chips wrap on a narrow screen, where a segmented control ran off its edge. */}
        <Chip.Group
          value={filter}
          onChange={(v) => {
            setFilter(v as Filter);
            setPage(1);
          }}
        >
          <Group gap="xs" role="radiogroup" aria-label="Show lines">
            {filters.map((f) => (
              <Chip key={f.value} value={f.value} disabled={f.disabled} size="sm" variant="outline">
                {f.label}
              </Chip>
            ))}
          </Group>
        </Chip.Group>
        <ResponsiveTable
          label="Report"
          attributes={{ 'data-testid': 'report-table' }}
          data={rows.data?.items ?? []}
          columns={columns}
          rowKey={(row) => String(row.line)}
          rowAttributes={(row) => ({ 'data-testid': 'report-row', 'data-status': row.status })}
          minWidth={640}
          tableProps={{ striped: true, verticalSpacing: 'xs' }}
        />
        {rows.isPending && <Loader size="sm" aria-label="Loading the report" />}
        {rows.isSuccess && total === 0 && (
          <Text size="sm" c="dimmed">
            No lines {filter === 'all' ? 'yet' : 'with this result'}.
          </Text>
        )}
        {pages > 1 && (
          <Group justify="flex-end">
            <Pagination size="sm" total={pages} value={page} onChange={setPage} />
          </Group>
        )}
      </Stack>
      <OnCallRecordModal url={record} onClose={() => setRecord(null)} />
    </Card>
  );
}

/** ".../contacts/123/" → "contacts/123": the id staff may quote to OnCall support. */
function shortUrl(url: string): string {
  try {
    const u = new URL(url);
    return u.pathname.replace(/^\/+|\/+$/g, '').split('/').slice(-2).join('/');
  } catch {
    return url;
  }
}
