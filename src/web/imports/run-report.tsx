import { Anchor, Badge, Button, Card, Group, Loader, Pagination, SegmentedControl, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { useRunRows } from '../api/queries.js';
import type { RowStatus, RunSummary } from '../api/types.js';
import { formatCount, sentence } from '../format/format.js';

const PAGE = 25;

/**
 * Row results in staff words; the server's status names stay in the CSV report. Keyed by the
 * server's own list, so a status it can return without a label here (or a key it never
 * returns, like the old `inFlight`) is a compile error. The filter uses the same words.
 */
export const ROW_STATUS = {
  created: { label: 'Created', color: 'teal' },
  updated: { label: 'Updated', color: 'blue' },
  // Also "exists in another clinic; not moved": the record was left as it was, not "up to date".
  skipped: { label: 'Left unchanged', color: 'gray' },
  failed: { label: 'Failed', color: 'red' },
  invalid: { label: 'Left out', color: 'orange' },
  cancelled: { label: 'Cancelled', color: 'gray' },
  pending: { label: 'Waiting', color: 'gray' },
  in_flight: { label: 'Sending', color: 'cyan' },
} as const satisfies Record<RowStatus, { label: string; color: string }>;

/** A status this UI does not know yet (a newer server): a plain word, never the raw code. */
const UNKNOWN_STATUS = { label: 'Other', color: 'gray' } as const;

export function rowStatusLabel(status: string): { label: string; color: string } {
  return Object.hasOwn(ROW_STATUS, status) ? ROW_STATUS[status as RowStatus] : UNKNOWN_STATUS;
}

type Filter = 'all' | RowStatus;

/** Per-line results: what happened, the OnCall record, and why a line failed or was left out. */
export function RunReport({ run, live }: { run: RunSummary; live: boolean }) {
  const [filter, setFilter] = useState<Filter>('all');
  const [page, setPage] = useState(1);
  const rows = useRunRows(String(run.id), filter, (page - 1) * PAGE, PAGE, live);
  const c = run.counts;
  const count = (n: number) => ` (${formatCount(n)})`;
  const option = (value: RowStatus, n: number) => ({
    value: value as Filter, label: `${ROW_STATUS[value].label}${count(n)}`, disabled: n === 0 && value !== filter,
  });
  const filters = [
    { value: 'all' as Filter, label: `All${count(run.totalRows ?? run.done + run.remaining)}` },
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
        <SegmentedControl
          aria-label="Show lines"
          value={filter}
          onChange={(v) => {
            setFilter(v as Filter);
            setPage(1);
          }}
          data={filters}
          style={{ alignSelf: 'flex-start' }}
        />
        <Table.ScrollContainer minWidth={640}>
          <Table striped verticalSpacing="xs" aria-label="Report" data-testid="report-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={70}>Line</Table.Th>
                <Table.Th w={170}>Result</Table.Th>
                <Table.Th>OnCall record</Table.Th>
                <Table.Th>Details</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(rows.data?.items ?? []).map((row) => {
                const s = rowStatusLabel(row.status);
                return (
                  <Table.Tr key={row.line} data-testid="report-row" data-status={row.status}>
                    <Table.Td ff="monospace">{row.line}</Table.Td>
                    <Table.Td>
                      <Badge color={s.color} variant="light">
                        {s.label}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      {row.partnerUrl ? (
                        <Anchor href={row.partnerUrl} target="_blank" rel="noreferrer" size="sm">
                          {shortUrl(row.partnerUrl)}
                        </Anchor>
                      ) : (
                        <Text size="sm" c="dimmed">
                          –
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{sentence(row.message ?? '')}</Text>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
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
