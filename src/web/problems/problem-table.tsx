import { Badge, Group, Pagination, Stack, Text, TextInput } from '@mantine/core';
import { useMemo, useState } from 'react';
import type { RecordType } from '../../domain/identifiers.js';
import { formatCount } from '../format/format.js';
import { ResponsiveTable, type Column } from '../layout/responsive-table.js';
import { explainProblem, type ProblemInput } from './explain-problem.js';

export interface ProblemLineInput {
  line: number;
  /** Who the line is about: the patient's name (or the appointment's title) and the EMR id. */
  name?: string | null | undefined;
  emrId?: string | null | undefined;
  errors: readonly ProblemInput[];
}

/** Corrections typed on the page, by line and file column (see wizard/corrections.ts). */
export interface CorrectionEditor {
  get(line: number, column: string): string | undefined;
  set(line: number, column: string, value: string): void;
}

interface ProblemItem {
  key: string;
  line: number;
  who: string;
  x: ReturnType<typeof explainProblem>;
  editable: boolean;
}

interface Props {
  recordType: RecordType;
  lines: readonly ProblemLineInput[];
  /** Accessible name of the table, e.g. "Problems found in your browser". */
  label: string;
  /** Total problem lines when `lines` is one page of a longer server list. */
  total?: number;
  page?: number;
  pageSize?: number;
  onPageChange?: (page: number) => void;
  /** Client-side paging when the whole list is given. */
  clientPageSize?: number;
  /** When given, a bad cell can be corrected in place (its value becomes a text box). */
  corrections?: CorrectionEditor | undefined;
}

/**
 * One row per problem: the line, who it is about (name, EMR id), the column (the field's label
 * as the matching screen shows it, and the file's column name), the value read, what is wrong
 * and what to do. Paged, because a bad export can hold 100,000 of them.
 */
export function ProblemTable({ recordType, lines, label, total, page, pageSize, onPageChange, clientPageSize = 25, corrections }: Props) {
  const [localPage, setLocalPage] = useState(1);
  const serverPaged = onPageChange !== undefined;
  const shown = serverPaged ? lines : lines.slice((localPage - 1) * clientPageSize, localPage * clientPageSize);
  const pages = serverPaged
    ? Math.max(1, Math.ceil((total ?? lines.length) / (pageSize ?? 25)))
    : Math.max(1, Math.ceil(lines.length / clientPageSize));

  // One item per problem (a line can have several), in the order of the lines.
  const items = useMemo(
    () =>
      shown.flatMap((l) =>
        l.errors.map((e, i): ProblemItem => {
          const x = explainProblem(recordType, e);
          const who = [l.name, l.emrId ? `EMR id ${l.emrId}` : null].filter(Boolean).join(' · ');
          const editable = corrections !== undefined && x.column !== null && x.value !== null && !x.warning;
          return { key: `${l.line}-${i}`, line: l.line, who, x, editable };
        }),
      ),
    [shown, recordType, corrections],
  );

  const columns: Column<ProblemItem>[] = [
    {
      key: 'line',
      label: 'Line',
      width: 60,
      render: (p) => (
        <Text fw={600} ff="monospace">
          {p.line}
        </Text>
      ),
    },
    {
      key: 'who',
      label: 'Patient or record',
      width: 150,
      render: (p) => (
        <Text size="sm" data-testid="problem-who">
          {p.who || '–'}
        </Text>
      ),
    },
    {
      key: 'column',
      label: 'Column',
      width: 150,
      render: ({ x }) => (
        <>
          <Text size="sm" fw={600} data-testid="problem-field">
            {x.fieldLabel}
          </Text>
          {x.column && x.column !== x.fieldLabel && (
            <Text size="xs" c="dimmed">
              column “{x.column}”
            </Text>
          )}
        </>
      ),
    },
    {
      key: 'value',
      label: 'Value in the file',
      width: 170,
      render: ({ x, line, editable }) => {
        if (!editable || !corrections) {
          return (
            <Text size="sm" ff="monospace" data-testid="problem-value" style={{ overflowWrap: 'anywhere' }}>
              {x.value === null ? '–' : x.value === '' ? '(empty)' : x.value}
            </Text>
          );
        }
        const corrected = corrections.get(line, x.column!);
        return (
          <TextInput
            size="xs"
            value={corrected ?? x.value ?? ''}
            onChange={(ev) => corrections.set(line, x.column!, ev.currentTarget.value)}
            aria-label={`Corrected ${x.fieldLabel}, line ${line}`}
            description={corrected !== undefined && corrected !== x.value ? `was “${x.value}”` : undefined}
            data-testid="problem-fix"
          />
        );
      },
    },
    {
      key: 'problem',
      label: 'Problem and what to do',
      render: ({ x }) => (
        <>
          <Group gap={6} wrap="nowrap" align="flex-start">
            {x.warning && (
              <Badge color="yellow" variant="light" size="sm">
                Warning
              </Badge>
            )}
            <Text size="sm">{x.problem}</Text>
          </Group>
          <Text size="sm" c="dimmed" mt={2}>
            {x.fix}
          </Text>
        </>
      ),
    },
  ];

  return (
    <Stack gap="xs">
      <ResponsiveTable
        label={label}
        data={items}
        columns={columns}
        rowKey={(p) => p.key}
        rowAttributes={(p) => ({ 'data-testid': 'problem-row', 'data-line': p.line })}
        minWidth={720}
        tableProps={{ striped: true, highlightOnHover: true, verticalSpacing: 'xs' }}
      />
      {pages > 1 && (
        <Group justify="space-between">
          <Text size="sm" c="dimmed">
            {formatCount(total ?? lines.length)} lines with problems
          </Text>
          <Pagination
            size="sm"
            total={pages}
            value={serverPaged ? (page ?? 1) : localPage}
            onChange={serverPaged ? onPageChange : setLocalPage}
            getControlProps={(control) => ({ 'aria-label': `${control} page` })}
          />
        </Group>
      )}
    </Stack>
  );
}
