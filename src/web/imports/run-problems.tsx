import { Card, Loader, Text } from '@mantine/core';
import { useState } from 'react';
import { useRunProblems } from '../api/queries.js';
import type { RunSummary } from '../api/types.js';
import { ProblemTable } from '../problems/problem-table.js';

const PAGE = 25;

/** The server's list of lines with problems (the decision that counts), page by page. */
export function RunProblems({ run }: { run: RunSummary }) {
  const [page, setPage] = useState(1);
  const problems = useRunProblems(String(run.id), (page - 1) * PAGE, PAGE);
  return (
    <Card withBorder padding="md">
      <Text fw={600} mb="xs">
        Lines with problems (they will be left out)
      </Text>
      {problems.isPending && <Loader size="sm" aria-label="Loading problems" />}
      {problems.isError && <Text c="red">{problems.error.message}</Text>}
      {problems.data && (
        <ProblemTable
          recordType={run.recordType}
          lines={problems.data.items}
          total={problems.data.total}
          page={page}
          pageSize={PAGE}
          onPageChange={setPage}
          label="Problems found by the server"
        />
      )}
    </Card>
  );
}
