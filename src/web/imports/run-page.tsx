import { Alert, Button, Card, Group, Loader, Modal, Progress, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { ApiError } from '../api/http.js';
import { useRun, useRunAction } from '../api/queries.js';
import { isFinished, type RunSummary } from '../api/types.js';
import { formatCount, formatDateTime, formatDuration, formatRate, sentence } from '../format/format.js';
import { AppLink } from '../router/app-link.js';
import { RECORD_TYPE_LABELS } from '../wizard/wizard-types.js';
import { RunProblems } from './run-problems.js';
import { ROW_STATUS, RunReport } from './run-report.js';
import { StatusBadge } from './status-badge.js';

/**
 * One import run (/imports/:id). Everything shown comes from the server and is polled every
 * second while the run moves, so a reload, another tab or another computer shows the same.
 */
export function RunPage({ runId }: { runId: string }) {
  const run = useRun(runId);

  if (run.isPending) return <Loader aria-label="Loading the import" />;
  if (run.isError) {
    const notFound = run.error instanceof ApiError && run.error.status === 404;
    return (
      <Alert color="red" role="alert" title={notFound ? 'This import does not exist' : 'The import could not be loaded'}>
        {notFound ? 'It may have been deleted. ' : `${run.error.message} `}
        <AppLink to="/imports">Back to the list of imports</AppLink>
      </Alert>
    );
  }
  const r = run.data;
  const finished = isFinished(r.status);
  return (
    <Stack gap="lg">
      <Stack gap={4}>
        <Text size="sm">
          <AppLink to="/imports">Imports</AppLink> ›
        </Text>
        <Group justify="space-between" align="center">
          <Group gap="sm">
            <Title order={1} size="h2">
              {r.fileName ?? `Import ${r.id}`}
            </Title>
            <StatusBadge status={r.status} size="lg" />
          </Group>
          <RunControls run={r} />
        </Group>
        <Text size="sm" c="dimmed">
          {RECORD_TYPE_LABELS[r.recordType]?.title ?? r.recordType} into OnCall Health · created {formatDateTime(r.createdAt)}
          {r.startedAt && ` · started ${formatDateTime(r.startedAt)}`}
          {r.finishedAt && ` · ended ${formatDateTime(r.finishedAt)}`}
        </Text>
      </Stack>

      {r.error && (
        <Alert color="red" role="alert" title="The import stopped">
          {sentence(r.error)}
        </Alert>
      )}
      {r.status === 'ready' && <ReadyCard run={r} />}
      {(r.status === 'draft' || r.status === 'staging') && (
        <Alert color="blue" title="Not started">
          {r.status === 'draft'
            ? 'The file has not been received. Start a new import and send the file again.'
            : 'The server is checking the file…'}
        </Alert>
      )}
      {r.status !== 'draft' && r.status !== 'staging' && r.status !== 'ready' && <RunProgress run={r} />}
      {finished && <FinishedSummary run={r} />}
      {r.status === 'ready' && (r.invalidRows ?? 0) > 0 && <RunProblems run={r} />}
      {r.status !== 'draft' && r.status !== 'staging' && r.status !== 'ready' && <RunReport run={r} live={!finished} />}
    </Stack>
  );
}

function ReadyCard({ run }: { run: RunSummary }) {
  const action = useRunAction(String(run.id));
  const valid = Math.max(0, (run.totalRows ?? 0) - (run.invalidRows ?? 0));
  return (
    <Card withBorder padding="md">
      <Stack gap="xs">
        <Text>
          The file was checked: <b>{formatCount(valid)}</b> lines are ready
          {(run.invalidRows ?? 0) > 0 && (
            <>
              , <b>{formatCount(run.invalidRows)}</b> have problems and will be left out
            </>
          )}
          .
        </Text>
        {action.error && (
          <Alert color="red" role="alert">
            {action.error.message}
          </Alert>
        )}
        <Group>
          <Button onClick={() => action.mutate({ action: 'start' })} loading={action.isPending} disabled={valid === 0}>
            Start the import
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

function RunControls({ run }: { run: RunSummary }) {
  const action = useRunAction(String(run.id));
  const [confirmCancel, setConfirmCancel] = useState(false);
  const canCancel = run.status === 'running' || run.status === 'paused' || run.status === 'ready';
  return (
    <Stack gap={4} align="flex-end">
      <Group gap="xs">
        {run.status === 'running' && (
          <Button variant="default" onClick={() => action.mutate({ action: 'pause' })} loading={action.isPending && action.variables?.action === 'pause'}>
            Pause
          </Button>
        )}
        {run.status === 'paused' && (
          <Button onClick={() => action.mutate({ action: 'resume' })} loading={action.isPending && action.variables?.action === 'resume'}>
            Resume
          </Button>
        )}
        {canCancel && (
          <Button variant="subtle" color="red" onClick={() => setConfirmCancel(true)}>
            Cancel import
          </Button>
        )}
      </Group>
      {action.error && (
        <Text size="sm" c="red" role="alert">
          {action.error.message}
        </Text>
      )}
      <Modal opened={confirmCancel} onClose={() => setConfirmCancel(false)} title="Cancel this import?">
        <Stack>
          <Text size="sm">
            Lines already sent stay in OnCall. The lines not sent yet are marked as cancelled in the report. A cancelled
            import cannot be resumed; you can start a new one with the same file.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirmCancel(false)}>
              Keep importing
            </Button>
            <Button
              color="red"
              onClick={() => {
                action.mutate({ action: 'cancel' });
                setConfirmCancel(false);
              }}
            >
              Cancel the import
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

function RunProgress({ run }: { run: RunSummary }) {
  const c = run.counts;
  const toSend = Math.max(1, run.done + run.remaining);
  const pct = Math.min(100, (run.done / toSend) * 100);
  const moving = run.status === 'running';
  return (
    <Card withBorder padding="md" aria-label="Progress">
      <Group justify="space-between" mb={6}>
        <Text fw={600}>
          <span data-testid="run-done">{formatCount(run.done)}</span> of {formatCount(run.done + run.remaining)} lines
          done
        </Text>
        <Text size="sm" c="dimmed">
          {Math.floor(pct)}%
        </Text>
      </Group>
      <Progress.Root size="lg" aria-label="Import progress">
        <Progress.Section value={((c.created + c.updated + c.skipped) / toSend) * 100} color="teal" />
        <Progress.Section value={(c.failed / toSend) * 100} color="red" />
      </Progress.Root>
      <SimpleGrid cols={{ base: 2, sm: 4, lg: 8 }} mt="md" spacing="sm">
        <Figure label={ROW_STATUS.created.label} value={formatCount(c.created)} testId="run-created" />
        <Figure label={ROW_STATUS.updated.label} value={formatCount(c.updated)} testId="run-updated" />
        <Figure label={ROW_STATUS.skipped.label} value={formatCount(c.skipped)} testId="run-skipped" />
        <Figure label={ROW_STATUS.failed.label} value={formatCount(c.failed)} testId="run-failed" color={c.failed > 0 ? 'red.7' : undefined} />
        <Figure label="Left out (problems)" value={formatCount(c.invalid)} testId="run-invalid" color={c.invalid > 0 ? 'orange.8' : undefined} />
        <Figure label="Remaining" value={formatCount(run.remaining)} testId="run-remaining" />
        <Figure label="Lines per second" value={moving ? formatRate(run.ratePerSecond) : '–'} testId="run-rate" />
        <Figure label="Time left" value={moving ? formatDuration(run.etaSeconds) : '–'} testId="run-eta" />
      </SimpleGrid>
      {run.status === 'paused' && (
        <Text size="sm" mt="sm" c="yellow.9">
          Paused: nothing is being sent. Press Resume to continue where it stopped.
        </Text>
      )}
    </Card>
  );
}

function Figure({ label, value, testId, color }: { label: string; value: string; testId: string; color?: string | undefined }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="lg" fw={700} c={color} data-testid={testId}>
        {value}
      </Text>
    </div>
  );
}

function FinishedSummary({ run }: { run: RunSummary }) {
  const c = run.counts;
  const problems = c.failed + c.invalid;
  const color = run.status === 'completed' ? (problems > 0 ? 'orange' : 'green') : run.status === 'failed' ? 'red' : 'gray';
  const title =
    run.status === 'completed'
      ? problems > 0
        ? 'Finished, some lines need attention'
        : 'Finished: every line is in OnCall'
      : run.status === 'cancelled'
        ? 'Cancelled'
        : 'Stopped';
  return (
    <Alert color={color} title={title} data-testid="run-finished">
      <Text size="sm">
        {formatCount(c.created)} created, {formatCount(c.updated)} updated, {formatCount(c.skipped)} left unchanged,{' '}
        {formatCount(c.failed)} failed, {formatCount(c.invalid)} left out
        {c.cancelled > 0 && `, ${formatCount(c.cancelled)} cancelled`}.
        {problems > 0 && ' The report below says what went wrong on each line; fix those lines and import them in a new file.'}
      </Text>
    </Alert>
  );
}
