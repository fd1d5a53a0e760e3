import { Alert, Button, Card, Group, Loader, Progress, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { ApiError } from '../api/http.js';
import { useRun, useRunAction } from '../api/queries.js';
import { isFinished, type RunSummary } from '../api/types.js';
import { formatCount, formatDateTime, formatDuration, formatRate, sentence } from '../format/format.js';
import { confirmAction } from '../layout/confirm.js';
import { AppLink } from '../router/app-link.js';
import { RECORD_TYPE_LABELS } from '../wizard/wizard-types.js';
import { RunProblems } from './run-problems.js';
import { ROW_STATUS, RunReport } from './run-report.js';
import { StatusBadge } from './status-badge.js';

/**
 * One import run (/imports/:id). Everything shown comes from the server and is polled every
 * second while the run moves, so a reload, another tab or another computer shows the same.
 * Run ids are UUIDs: any other address (/imports/does-not-exist, /imports/999999) names no run.
 */
const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function RunPage({ runId }: { runId: string }) {
  if (!RUN_ID.test(runId)) return <RunNotFound />;
  return <KnownRunPage runId={runId} />;
}

/** A run address that names no import, in words, with the way back. */
function RunNotFound() {
  return (
    <Alert color="red" role="alert" title="This import does not exist" data-testid="run-not-found">
      <Stack gap="xs">
        <Text size="sm">There is no import at this address. It may have been deleted, or the address was mistyped.</Text>
        <AppLink to="/imports">Back to the list of imports</AppLink>
      </Stack>
    </Alert>
  );
}

function KnownRunPage({ runId }: { runId: string }) {
  const run = useRun(runId);

  if (run.isPending) return <Loader aria-label="Loading the import" />;
  if (run.isError) {
    if (run.error instanceof ApiError && run.error.status === 404) return <RunNotFound />;
    return (
      <Alert color="red" role="alert" title="The import could not be loaded">
        {`${run.error.message} `}
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
      {r.status !== 'draft' && r.status !== 'staging' && r.status !== 'ready' && <RunReport run={r} live={!finished || r.remaining > 0} />}
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
          <Button
            variant="subtle"
            color="red"
            onClick={() =>
              confirmAction({
                title: 'Cancel this import?',
                message:
                  'Lines already sent stay in OnCall. The lines not sent yet are marked as cancelled in the report. A cancelled import cannot be resumed; you can start a new one with the same file.',
                confirmLabel: 'Cancel the import',
                cancelLabel: 'Keep importing',
                onConfirm: () => action.mutate({ action: 'cancel' }),
              })
            }
          >
            Cancel import
          </Button>
        )}
      </Group>
      {action.error && (
        <Text size="sm" c="red" role="alert">
          {action.error.message}
        </Text>
      )}
    </Stack>
  );
}

/** "patients" or "appointments": what the run looks for in OnCall while it prepares. */
function recordWord(recordType: string): string {
  return recordType === 'appointments' ? 'appointments' : 'patients';
}

/**
 * The run's headline, in words and numbers: what it is doing now (preparing, sending, paused,
 * ended), so staff never wonder whether anything happens.
 */
export function progressHeadline(run: RunSummary): string {
  const c = run.counts;
  const total = run.done + run.remaining + c.cancelled;
  if (run.preparing && (run.status === 'running' || run.status === 'paused')) {
    const p = run.preparing;
    const what = `already in OnCall${p.total !== null ? `: ${formatCount(p.checked)} of ${formatCount(p.total)}` : '…'}`;
    return run.status === 'paused' ? `Paused while looking for ${recordWord(run.recordType)} ${what}` : `Looking for ${recordWord(run.recordType)} ${what}`;
  }
  if (run.status === 'cancelled') {
    return `${formatCount(run.done)} of ${formatCount(total)} sent, ${formatCount(c.cancelled)} cancelled${run.remaining > 0 ? `, ${formatCount(run.remaining)} still being confirmed` : ''}`;
  }
  const figures = `${formatCount(run.done)} of ${formatCount(total)} lines done`;
  if (run.status === 'running') return `Sending: ${figures}`;
  if (run.status === 'paused') return `Paused: ${figures}`;
  return figures;
}

function RunProgress({ run }: { run: RunSummary }) {
  const c = run.counts;
  const total = run.done + run.remaining + c.cancelled;
  const scale = Math.max(1, total);
  const preparing = run.preparing !== null && run.preparing !== undefined && (run.status === 'running' || run.status === 'paused');
  const pct = preparing
    ? run.preparing!.total ? Math.min(100, (run.preparing!.checked / Math.max(1, run.preparing!.total)) * 100) : 0
    : Math.min(100, (run.done / scale) * 100);
  const moving = run.status === 'running' && !preparing;
  return (
    <Card withBorder padding="md" aria-label="Progress">
      <Group justify="space-between" mb={6} wrap="nowrap" align="flex-start">
        <Text fw={600} data-testid="run-headline" aria-live="polite">
          {progressHeadline(run)}
        </Text>
        <Text size="sm" c="dimmed">
          {Math.floor(pct)}%
        </Text>
      </Group>
      {preparing ? (
        <Progress size="lg" value={pct} color="blue" striped animated={run.status === 'running'} aria-label="Looking for records already in OnCall" />
      ) : (
        <Progress.Root size="lg" role="group" aria-label="Import progress" data-testid="run-bar">
          <Progress.Section value={((c.created + c.updated + c.skipped) / scale) * 100} color="teal" data-part="sent" aria-label="Sent" />
          <Progress.Section value={(c.failed / scale) * 100} color="red" data-part="not-imported" aria-label="Not imported" />
          {/* Lines never sent stay visible as their own grey part: a cancelled run is not a full green bar. */}
          <Progress.Section value={(c.cancelled / scale) * 100} color="gray.5" data-part="cancelled" aria-label="Cancelled" />
        </Progress.Root>
      )}
      <SimpleGrid cols={{ base: 2, sm: 4, lg: 5 }} mt="md" spacing="sm">
        <Figure label={ROW_STATUS.created.label} value={formatCount(c.created)} testId="run-created" />
        <Figure label={ROW_STATUS.updated.label} value={formatCount(c.updated)} testId="run-updated" />
        <Figure label={ROW_STATUS.skipped.label} value={formatCount(c.skipped)} testId="run-skipped" />
        <Figure label={ROW_STATUS.failed.label} value={formatCount(c.failed)} testId="run-failed" color={c.failed > 0 ? 'red.7' : undefined} />
        <Figure label={`${ROW_STATUS.invalid.label} (problems)`} value={formatCount(c.invalid)} testId="run-invalid" color={c.invalid > 0 ? 'orange.8' : undefined} />
        {c.cancelled > 0 && <Figure label={ROW_STATUS.cancelled.label} value={formatCount(c.cancelled)} testId="run-cancelled" />}
        <Figure label="Remaining" value={formatCount(run.remaining)} testId="run-remaining" />
        <Figure label="Lines per second" value={moving ? formatRate(run.ratePerSecond) : '–'} testId="run-rate" />
        <Figure label="Time left" value={moving ? (run.etaSeconds === null ? 'Estimating…' : `about ${formatDuration(run.etaSeconds)}`) : '–'} testId="run-eta" />
      </SimpleGrid>
      {run.status === 'paused' && (
        <Text size="sm" mt="sm" c="yellow.9" data-testid="run-paused-note">
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
  // The same words as the figures, the report and the CSV (row-labels.ts).
  const parts = (['created', 'updated', 'skipped', 'failed', 'invalid', 'cancelled'] as const)
    .filter((s) => s !== 'cancelled' || c.cancelled > 0)
    .map((s) => `${formatCount(c[s])} ${ROW_STATUS[s].label.charAt(0).toLowerCase()}${ROW_STATUS[s].label.slice(1)}`);
  return (
    <Alert color={color} title={title} data-testid="run-finished">
      <Text size="sm">
        {parts.join(', ')}.
        {problems > 0 && ' The report below says what went wrong on each line; fix those lines and import them in a new file.'}
      </Text>
    </Alert>
  );
}
