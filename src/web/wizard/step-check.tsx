import { Alert, Badge, Button, Card, Group, List, Loader, Progress, Stack, Text, Title } from '@mantine/core';
import type { RecordType } from '../../domain/identifiers.js';
import type { RunSummary } from '../api/types.js';
import type { ApiError } from '../api/http.js';
import type { CsvReadState } from '../csv/use-csv-reader.js';
import { formatCount, plural, sentence } from '../format/format.js';
import { ProblemTable, type CorrectionEditor } from '../problems/problem-table.js';
import { ChangePreviewCard } from './change-preview-card.js';
import { OtherClinicNotice } from './other-clinic-notice.js';
import { checkCounts, RunCheckResult } from './run-check-result.js';

export interface ServerCheck {
  phase: 'idle' | 'creating' | 'uploading' | 'checking' | 'ready' | 'failed';
  sent: number;
  total: number;
  run: RunSummary | null;
  error: ApiError | Error | null;
}

export const IDLE_SERVER_CHECK: ServerCheck = { phase: 'idle', sent: 0, total: 0, run: null, error: null };

interface Props {
  recordType: RecordType;
  fileRows: number;
  browser: CsvReadState;
  server: ServerCheck;
  onSend: () => void;
  onStart: () => void;
  starting: boolean;
  startError: Error | null;
  onChooseAgain: () => void;
  /** Move records found in another clinic into this one (sent with the start). */
  moveBetweenDivisions: boolean;
  onMoveBetweenDivisions: (move: boolean) => void;
  /** Records already in OnCall: updated or left as they are (chosen on "Match columns"); the preview follows it. */
  updateExisting: boolean;
  /** Cells corrected on this page, and how many. */
  corrections: CorrectionEditor;
  correctionCount: number;
  /** Writes the corrected file and checks it again (browser, then the server when asked). */
  onApplyCorrections: () => void;
  applyingCorrections: boolean;
  /** Downloads the lines to fix (original columns and a "problem" column). */
  onDownloadLinesToFix: () => void;
  downloading: boolean;
}

export function StepCheck(props: Props) {
  const { recordType, browser, server } = props;
  return (
    <Stack gap="lg">
      <Title order={2} size="h3">
        Check every line before anything is sent
      </Title>
      <BrowserCheckCard {...props} read={browser} compact={server.phase === 'ready' && browser.invalidRows === 0} />
      <ServerCheckCard {...props} />
    </Stack>
  );
}

/** `compact`: once the server has answered and nothing needs fixing, this one folds away. */
function BrowserCheckCard(props: Props & { read: CsvReadState; compact: boolean }) {
  const { recordType, read, fileRows, compact } = props;
  const done = read.phase === 'done';
  const total = Math.max(fileRows, read.rows);
  return (
    <Card withBorder padding="md" aria-label="Check in your browser">
      <Group justify="space-between" mb="xs">
        <Text fw={600}>1. Quick check in your browser</Text>
        {done ? (
          read.invalidRows === 0 ? (
            <Badge color="teal" variant="light">
              All lines look right
            </Badge>
          ) : (
            <Badge color="orange" variant="light">
              Problems found
            </Badge>
          )
        ) : (
          <Group gap={6}>
            <Loader size="xs" aria-hidden />
            <Text size="sm">Checking…</Text>
          </Group>
        )}
      </Group>
      <Text size="sm" aria-live="polite">
        <span data-testid="browser-checked-rows">{formatCount(read.rows)}</span> of {formatCount(total)} lines checked ·{' '}
        <Text span fw={700} c={read.invalidRows > 0 ? 'orange.8' : undefined} data-testid="browser-invalid-count">
          {formatCount(read.invalidRows)}
        </Text>{' '}
        with problems
      </Text>
      <HeaderIssues read={read} />
      {!done && total > 0 && <Progress value={(read.rows / total) * 100} mt="xs" size="sm" aria-label="Browser check progress" />}
      {read.phase === 'failed' && (
        <Alert color="red" mt="sm" role="alert" title="The check stopped">
          {read.error}
        </Alert>
      )}
      {read.problems.length > 0 && !compact && (
        <Stack mt="sm" gap={4}>
          <Text size="sm" c="dimmed">
            Correct a value in the table, then check the file again with your corrections; or download the lines to fix,
            correct them in your EMR or spreadsheet, and choose the corrected file.
          </Text>
          <ProblemTable recordType={recordType} lines={read.problems} label="Problems found in your browser" clientPageSize={10} corrections={props.corrections} />
          {read.invalidRows > read.problems.length && (
            <Text size="xs" c="dimmed">
              The first {formatCount(read.problems.length)} are listed here; the download has them all.
            </Text>
          )}
          <Group gap="sm" mt="xs">
            <Button
              onClick={props.onApplyCorrections}
              disabled={props.correctionCount === 0}
              loading={props.applyingCorrections}
              data-testid="apply-corrections"
            >
              {props.correctionCount === 0 ? 'Check again with my corrections' : `Check again with ${plural(props.correctionCount, 'correction', 'corrections')}`}
            </Button>
            <Button variant="default" onClick={props.onDownloadLinesToFix} loading={props.downloading} disabled={!done} data-testid="download-lines-to-fix">
              Download only the lines to fix
            </Button>
          </Group>
        </Stack>
      )}
    </Card>
  );
}

export function HeaderIssues({ read }: { read: CsvReadState }) {
  if (read.headerIssues.length === 0) return null;
  return (
    <Alert color="red" mt="sm" role="alert" title="The header line does not fit the matching">
      <List size="sm">
        {read.headerIssues.map((h) => (
          <List.Item key={h.code}>{sentence(h.message)}</List.Item>
        ))}
      </List>
      <Text size="sm" mt="xs">
        Go back to “Match columns” and choose columns that are in this file, or correct the first line of the file.
      </Text>
    </Alert>
  );
}

function ServerCheckCard(props: Props) {
  const { recordType, server, browser } = props;
  const run = server.run;
  const ready = server.phase === 'ready' && run !== null;
  const { valid, invalid } = checkCounts(run);

  return (
    <Card withBorder padding="md" aria-label="Final check on the server">
      <Group justify="space-between" mb="xs">
        <Text fw={600}>2. Final check on the server</Text>
        {ready && (
          <Badge color={invalid === 0 ? 'teal' : 'orange'} variant="light">
            {invalid === 0 ? 'Ready to import' : 'Ready, some lines will be left out'}
          </Badge>
        )}
      </Group>

      {server.phase === 'idle' && (
        <Stack gap="xs" align="flex-start">
          <Text size="sm">
            The server checks every line again with the same rules and keeps the file for the import. Nothing is sent
            to OnCall yet.
          </Text>
          <Button onClick={props.onSend} disabled={browser.phase === 'reading' && browser.rows === 0}>
            Send the file for the final check
          </Button>
        </Stack>
      )}
      {(server.phase === 'creating' || server.phase === 'uploading') && (
        <Stack gap={4}>
          <Text size="sm" aria-live="polite">
            Sending the file… {server.total > 0 ? Math.floor((server.sent / server.total) * 100) : 0}%
          </Text>
          <Progress value={server.total > 0 ? (server.sent / server.total) * 100 : 0} size="sm" aria-label="Upload progress" />
        </Stack>
      )}
      {server.phase === 'checking' && (
        <Group gap="xs">
          <Loader size="xs" aria-hidden />
          <Text size="sm" aria-live="polite">
            The server is checking every line…
          </Text>
        </Group>
      )}
      {server.phase === 'failed' && (
        <Alert color="red" role="alert" title="The server did not accept the file">
          <Text size="sm">{sentence(server.error?.message ?? '')}</Text>
          <FieldErrors error={server.error} />
          <Group mt="sm">
            <Button size="xs" variant="light" onClick={props.onSend}>
              Try again
            </Button>
            <Button size="xs" variant="default" onClick={props.onChooseAgain}>
              Choose a corrected file
            </Button>
          </Group>
        </Alert>
      )}

      {ready && (
        <Stack gap="sm">
          <RunCheckResult
            recordType={recordType}
            run={run}
            labels={{ total: 'Lines in the file', valid: 'Ready to import', invalid: 'With problems' }}
            testIdPrefix="server"
            problemsLabel="Problems found by the server"
          />
          {valid > 0 && (
            <OtherClinicNotice runId={String(run.id)} recordType={recordType} move={props.moveBetweenDivisions} onMove={props.onMoveBetweenDivisions} />
          )}
          {valid > 0 && (
            <ChangePreviewCard runId={String(run.id)} recordType={recordType} updateExisting={props.updateExisting} moveBetweenDivisions={props.moveBetweenDivisions} title="3. What will change in OnCall" />
          )}
          {props.startError && (
            <Alert color="red" role="alert" title="The import did not start">
              {props.startError.message}
            </Alert>
          )}
          <Group justify={invalid > 0 ? 'space-between' : 'flex-end'} align="center" mt="xs">
            {invalid > 0 && (
              <Button variant="default" onClick={props.onChooseAgain}>
                Fix the file and choose it again
              </Button>
            )}
            <Stack gap={2} align="flex-end">
              <Button size="md" onClick={props.onStart} loading={props.starting} disabled={valid === 0}>
                {invalid > 0 ? `Import ${plural(valid, 'line', 'lines')}, leave out ${formatCount(invalid)}` : `Import ${plural(valid, 'line', 'lines')}`}
              </Button>
              {invalid > 0 && (
                <Text size="xs" c="dimmed">
                  Lines with problems are not sent; they are listed in the report.
                </Text>
              )}
            </Stack>
          </Group>
        </Stack>
      )}
    </Card>
  );
}

function FieldErrors({ error }: { error: ApiError | Error | null }) {
  const fe = error && 'fieldErrors' in error ? error.fieldErrors : undefined;
  if (!fe) return null;
  const entries = Object.entries(fe);
  if (entries.length === 0) return null;
  return (
    <List size="sm" mt="xs">
      {entries.map(([k, v]) => (
        <List.Item key={k}>
          {k}: {Array.isArray(v) ? v.join('; ') : v}
        </List.Item>
      ))}
    </List>
  );
}
