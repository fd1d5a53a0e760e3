import { Badge, Group, Pagination, Stack, Table, Text } from '@mantine/core';
import { useMemo, useState } from 'react';
import type { RecordType } from '../../domain/identifiers.js';
import { formatCount } from '../format/format.js';
import { explainProblem, type ProblemInput } from './explain-problem.js';

export interface ProblemLineInput {
  line: number;
  errors: readonly ProblemInput[];
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
}

/**
 * One row per problem: line number, column, what is wrong and what to do. Paged, because a
 * bad export can hold 100,000 of them.
 */
export function ProblemTable({ recordType, lines, label, total, page, pageSize, onPageChange, clientPageSize = 25 }: Props) {
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
          return (
            <Table.Tr key={`${l.line}-${i}`} data-testid="problem-row" data-line={l.line}>
              <Table.Td>
                <Text fw={600} ff="monospace">
                  {l.line}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{x.column ?? '–'}</Text>
                <Text size="xs" c="dimmed">
                  {x.fieldLabel}
                </Text>
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
              </Table.Td>
              <Table.Td>
                <Text size="sm">{x.fix}</Text>
              </Table.Td>
            </Table.Tr>
          );
        }),
      ),
    [shown, recordType],
  );

  return (
    <Stack gap="xs">
      <Table.ScrollContainer minWidth={640}>
        <Table striped highlightOnHover aria-label={label} verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={70}>Line</Table.Th>
              <Table.Th w={180}>Column</Table.Th>
              <Table.Th>Problem</Table.Th>
              <Table.Th>What to do</Table.Th>
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
