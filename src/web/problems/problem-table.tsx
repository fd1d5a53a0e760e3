import { Badge, Group, Pagination, Stack, Table, Text, TextInput } from '@mantine/core';
import { useMemo, useState } from 'react';
import type { RecordType } from '../../domain/identifiers.js';
import { formatCount } from '../format/format.js';
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

  const rows = useMemo(
    () =>
      shown.flatMap((l) =>
        l.errors.map((e, i) => {
          const x = explainProblem(recordType, e);
          const who = [l.name, l.emrId ? `EMR id ${l.emrId}` : null].filter(Boolean).join(' · ');
          const editable = corrections !== undefined && x.column !== null && x.value !== null && !x.warning;
          const corrected = editable ? corrections.get(l.line, x.column!) : undefined;
          return (
            <Table.Tr key={`${l.line}-${i}`} data-testid="problem-row" data-line={l.line}>
              <Table.Td>
                <Text fw={600} ff="monospace">
                  {l.line}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" data-testid="problem-who">
                  {who || '–'}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" fw={600} data-testid="problem-field">
                  {x.fieldLabel}
                </Text>
                {x.column && x.column !== x.fieldLabel && (
                  <Text size="xs" c="dimmed">
                    column “{x.column}”
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                {editable ? (
                  <TextInput
                    size="xs"
                    value={corrected ?? x.value ?? ''}
                    onChange={(ev) => corrections.set(l.line, x.column!, ev.currentTarget.value)}
                    aria-label={`Corrected ${x.fieldLabel}, line ${l.line}`}
                    description={corrected !== undefined && corrected !== x.value ? `was “${x.value}”` : undefined}
                    data-testid="problem-fix"
                  />
                ) : (
                  <Text size="sm" ff="monospace" data-testid="problem-value" style={{ overflowWrap: 'anywhere' }}>
                    {x.value === null ? '–' : x.value === '' ? '(empty)' : x.value}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
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
              </Table.Td>
            </Table.Tr>
          );
        }),
      ),
    [shown, recordType, corrections],
  );

  return (
    <Stack gap="xs">
      <Table.ScrollContainer minWidth={720}>
        <Table striped highlightOnHover aria-label={label} verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={60}>Line</Table.Th>
              <Table.Th w={150}>Patient or record</Table.Th>
              <Table.Th w={150}>Column</Table.Th>
              <Table.Th w={170}>Value in the file</Table.Th>
              <Table.Th>Problem and what to do</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>{rows}</Table.Tbody>
        </Table>
      </Table.ScrollContainer>
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
