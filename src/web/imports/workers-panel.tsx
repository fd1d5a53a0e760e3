import { Badge, Card, Group, List, Loader, Stack, Text, Title } from '@mantine/core';
import { useMemo } from 'react';
import type { RunSummary } from '../api/types.js';
import { useWorkers } from '../api/workers.js';
import { AppLink } from '../router/app-link.js';
import { runPath } from '../router/router.js';
import { summarizeWorkers } from './workers-summary.js';

/**
 * Which worker processes are doing the imports (and the other background work), whether each
 * still answers and what it holds: issue 12's status view, for operators running several
 * `serve` processes on PostgreSQL. Refreshed every few seconds while the page is open. Stacked
 * lines rather than a table, so it reads the same on a phone.
 */
export function WorkersPanel({ runs }: { runs: readonly RunSummary[] }) {
  const workers = useWorkers();
  const names = useMemo(() => new Map(runs.map((r) => [String(r.id), r.fileName ?? `Import ${r.id}`])), [runs]);
  return (
    <Card withBorder component="section" aria-labelledby="workers-title" data-testid="workers-panel">
      <Stack gap="sm">
        <Title order={2} size="h4" id="workers-title">
          Workers
        </Title>
        {workers.isPending && <Loader size="sm" aria-label="Loading the workers" />}
        {workers.isError && (
          <Text size="sm" c="red" role="alert">
            The workers could not be loaded: {workers.error.message}
          </Text>
        )}
        {workers.isSuccess && <WorkersBody summary={summarizeWorkers(workers.data, names)} />}
      </Stack>
    </Card>
  );
}

function WorkersBody({ summary }: { summary: ReturnType<typeof summarizeWorkers> }) {
  return (
    <>
      <Text size="sm" c="dimmed" data-testid="workers-intro">
        {summary.intro}
      </Text>
      {summary.lines.map((line) => (
        <Stack key={line.key} gap={4} data-testid="worker" data-alive={line.alive}>
          <Group gap="xs" wrap="wrap">
            <Text fw={500} style={{ overflowWrap: 'anywhere' }}>
              {line.title}
            </Text>
            <Badge variant="light" color={line.alive ? 'green' : 'red'} tt="none">
              {line.state}
            </Badge>
          </Group>
          {line.holds.length === 0 ? (
            <Text size="sm" c="dimmed">
              Holds nothing at the moment.
            </Text>
          ) : (
            <List size="sm" spacing={2} aria-label={`What ${line.title} holds`}>
              {line.holds.map((h) => (
                <List.Item key={h.text}>{h.runId ? <AppLink to={runPath(h.runId)}>{h.text}</AppLink> : h.text}</List.Item>
              ))}
            </List>
          )}
        </Stack>
      ))}
    </>
  );
}
