import { Alert, Badge, Button, Card, Group, Loader, Stack, Text } from '@mantine/core';
import type { RecordType } from '../../domain/identifiers.js';
import type { RunSummary } from '../api/types.js';
import { formatCount, plural, sentence } from '../format/format.js';
import { checkCounts, RunCheckResult } from './run-check-result.js';
import { ChangePreviewCard } from './change-preview-card.js';
import { EmrEmailFallback, emailFallbackIsValid } from './emr-email-fallback.js';

export interface EmrCheck {
  phase: 'idle' | 'pulling' | 'ready' | 'failed';
  run: RunSummary | null;
  error: Error | null;
}

export const IDLE_EMR_CHECK: EmrCheck = { phase: 'idle', run: null, error: null };

interface Props {
  recordType: RecordType;
  check: EmrCheck;
  onPull: () => void;
  onStart: () => void;
  starting: boolean;
  startError: Error | null;
  /** The mapping's participantEmailFallback ("provider", "none" or an address) and its setter. */
  emailFallback?: string;
  onEmailFallback?: (value: string) => void;
  /** A provider is chosen for the import (its address can stand in for a patient's). */
  hasProvider?: boolean;
  /** Records already in OnCall: updated or left as they are; the preview of changes follows it. */
  updateExisting?: boolean;
}

/**
 * Step 4 of an EMR pull: the server reads every appointment from the EMR, maps and checks it
 * with the chosen matching, and says how many will be created and which lack what OnCall
 * requires, before anything is sent.
 */
export function StepEmrCheck({ recordType, check, onPull, onStart, starting, startError, emailFallback = 'provider', onEmailFallback, hasProvider = false, updateExisting = false }: Props) {
  const run = check.run;
  // The pull answers how many appointments use the provider's (or the given) address.
  const fallbackRows = (run as { emailFallbackRows?: number } | null)?.emailFallbackRows ?? 0;
  const ready = check.phase === 'ready' && run !== null;
  const { valid, invalid } = checkCounts(run);
  return (
    <Card withBorder padding="md" aria-label="Check on the server">
      <Group justify="space-between" mb="xs">
        <Text fw={600}>Pull from the EMR and check</Text>
        {ready && (
          <Badge color={invalid === 0 ? 'teal' : 'orange'} variant="light">
            {invalid === 0 ? 'Ready to import' : 'Ready, some appointments will be left out'}
          </Badge>
        )}
      </Group>
      {onEmailFallback && (
        <Stack mb="sm">
          <EmrEmailFallback value={emailFallback} onChange={onEmailFallback} hasProvider={hasProvider} disabled={check.phase === 'pulling'} />
        </Stack>
      )}
      {check.phase === 'idle' && (
        <Stack gap="xs" align="flex-start">
          <Text size="sm">
            The server reads every appointment from the EMR and checks it with this matching. Nothing is sent to OnCall yet.
          </Text>
          <Button onClick={onPull} disabled={!emailFallbackIsValid(emailFallback)}>
            Pull from the EMR and check
          </Button>
        </Stack>
      )}
      {check.phase === 'pulling' && (
        <Group gap="xs">
          <Loader size="xs" aria-hidden />
          <Text size="sm" aria-live="polite">
            Reading and checking the EMR’s appointments…
          </Text>
        </Group>
      )}
      {check.phase === 'failed' && (
        <Alert color="red" role="alert" title="The pull did not work">
          <Text size="sm">{sentence(check.error?.message ?? '')}</Text>
          <Button mt="sm" size="xs" variant="light" onClick={onPull}>
            Try again
          </Button>
        </Alert>
      )}
      {ready && (
        <Stack gap="sm">
          <RunCheckResult
            recordType={recordType}
            run={run}
            labels={{ total: 'Appointments read', valid: 'Will be created or checked', invalid: 'Lack what OnCall requires' }}
            testIdPrefix="emr"
            problemsLabel="Appointments with problems"
          />
          {valid > 0 && <ChangePreviewCard runId={String(run.id)} recordType={recordType} updateExisting={updateExisting} moveBetweenDivisions={false} />}
          {fallbackRows > 0 && (
            <Text size="sm" data-testid="emr-fallback-rows">
              {emailFallback === 'provider'
                ? `${plural(fallbackRows, 'appointment uses', 'appointments use')} the provider’s address: the patient has no e-mail in the EMR.`
                : `${plural(fallbackRows, 'appointment uses', 'appointments use')} the address you gave: the patient has no e-mail in the EMR.`}
            </Text>
          )}
          {startError && (
            <Alert color="red" role="alert" title="The import did not start">
              {startError.message}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button size="md" onClick={onStart} loading={starting} disabled={valid === 0}>
              {invalid > 0
                ? `Import ${plural(valid, 'appointment', 'appointments')}, leave out ${formatCount(invalid)}`
                : `Import ${plural(valid, 'appointment', 'appointments')}`}
            </Button>
          </Group>
          <Text size="xs" c="dimmed">
            Appointments already in OnCall are left as they are; the report lists every one.
          </Text>
        </Stack>
      )}
    </Card>
  );
}

