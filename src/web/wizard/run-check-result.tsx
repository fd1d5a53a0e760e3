import { Group, Loader, Text } from '@mantine/core';
import { useState } from 'react';
import type { RecordType } from '../../domain/identifiers.js';
import { useProblemLines } from '../api/preview.js';
import type { RunSummary } from '../api/types.js';
import { ProblemTable } from '../problems/problem-table.js';
import { CheckStat } from './check-stat.js';

const PAGE = 25;

/** How many lines a checked run has, how many it will send and how many it leaves out. */
export function checkCounts(run: RunSummary | null): { total: number; valid: number; invalid: number } {
  const total = run?.totalRows ?? 0;
  const invalid = run?.invalidRows ?? 0;
  return { total, valid: Math.max(0, total - invalid), invalid };
}

interface Props {
  recordType: RecordType;
  run: RunSummary;
  /** The words of the three figures: total, will be sent, left out. */
  labels: { total: string; valid: string; invalid: string };
  /** Test ids are `<prefix>-total-rows`, `<prefix>-valid-rows`, `<prefix>-invalid-rows`. */
  testIdPrefix: string;
  problemsLabel: string;
  /** Said instead of listing the problems again (they are listed above, by the browser's check). */
  listedAbove?: string | undefined;
}

/**
 * The server's answer to a check, the same for a file and for an EMR pull: the three figures and
 * the lines with problems, a page at a time.
 */
export function RunCheckResult({ recordType, run, labels, testIdPrefix, problemsLabel, listedAbove }: Props) {
  const [page, setPage] = useState(1);
  const { total, valid, invalid } = checkCounts(run);
  const problems = useProblemLines(String(run.id), (page - 1) * PAGE, PAGE, invalid > 0 && !listedAbove);
  return (
    <>
      <Group gap="xl">
        <CheckStat label={labels.total} value={total} testId={`${testIdPrefix}-total-rows`} />
        <CheckStat label={labels.valid} value={valid} testId={`${testIdPrefix}-valid-rows`} color="teal.8" />
        <CheckStat label={labels.invalid} value={invalid} testId={`${testIdPrefix}-invalid-rows`} color={invalid > 0 ? 'orange.8' : undefined} />
      </Group>
      {invalid > 0 && listedAbove && (
        <Text size="sm" c="dimmed">
          {listedAbove}
        </Text>
      )}
      {invalid > 0 && !listedAbove && problems.data && (
        <ProblemTable
          recordType={recordType}
          lines={problems.data.items}
          total={problems.data.total}
          page={page}
          pageSize={PAGE}
          onPageChange={setPage}
          label={problemsLabel}
        />
      )}
      {invalid > 0 && !listedAbove && problems.isPending && <Loader size="sm" aria-label="Loading problems" />}
    </>
  );
}
