import { Alert, Button, Group, Loader, Paper, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { formatDateTime } from '../format/format.js';
import { confirmAction } from '../layout/confirm.js';
import { useDecideReview, useOpenReviews, type MatchReview, type ReviewCandidate } from './review-api.js';
import { candidateWords, decisionDoneWords, recordLabel, reviewHeadline } from './review-words.js';

/**
 * "Waiting for a person" on the Reconciliation page (issue 9: "an uncertain match is never
 * merged silently: it waits for a person"): each possible match in words, its EMR candidates
 * with a Link button each, "Create a new EMR patient" and "Ignore", each after a confirmation.
 * A decided review leaves the list and a note says what happened. Cards, so a phone reads them.
 */
export function MatchReviews() {
  const reviews = useOpenReviews();
  const decide = useDecideReview();
  const [said, setSaid] = useState<string | null>(null);

  const run = (r: MatchReview, decision: 'link' | 'create' | 'ignore', emrId?: string) => {
    setSaid(null);
    decide.mutate({ id: r.id, decision, ...(emrId ? { emrId } : {}) }, { onSuccess: () => setSaid(decisionDoneWords(r, decision, emrId)) });
  };
  const link = (r: MatchReview, c: ReviewCandidate) =>
    confirmAction({
      title: 'Link to this EMR patient?',
      message: `${recordLabel(r)} and ${candidateWords(c)} are the same person: the link is kept, and the OnCall record's changes go to this patient from now on.`,
      confirmLabel: 'Link',
      destructive: false,
      onConfirm: () => run(r, 'link', c.emrId),
    });
  const create = (r: MatchReview) =>
    confirmAction({
      title: 'Create a new EMR patient?',
      message: `${recordLabel(r)} is someone else than ${r.candidates.length > 1 ? 'these EMR patients' : 'this EMR patient'}: a new EMR patient is created from it.`,
      confirmLabel: 'Create it',
      destructive: false,
      onConfirm: () => run(r, 'create'),
    });
  const ignore = (r: MatchReview) =>
    confirmAction({
      title: 'Ignore this OnCall record?',
      message: `${recordLabel(r)} is left out of the EMR: nothing is written for it, now or when it changes.`,
      confirmLabel: 'Ignore',
      destructive: false,
      onConfirm: () => run(r, 'ignore'),
    });

  const open = reviews.data?.reviews ?? [];
  return (
    <Stack gap="sm" data-testid="match-reviews">
      <Title order={2} size="h3">
        Waiting for a person
      </Title>
      <Text size="sm" c="dimmed" maw={720}>
        Records from OnCall that look like an EMR patient already, but not certainly. Nothing is merged until someone decides here.
      </Text>
      {decide.isError && (
        <Alert color="red" role="alert" title="Not done" withCloseButton onClose={() => decide.reset()}>
          {decide.error.message}
        </Alert>
      )}
      {said && (
        <Alert color="green" role="status" withCloseButton onClose={() => setSaid(null)}>
          {said}
        </Alert>
      )}
      {reviews.isPending && <Loader aria-label="Loading the possible matches" />}
      {reviews.isError && (
        <Alert color="red" role="alert" title="The possible matches could not be loaded">
          {reviews.error.message}
        </Alert>
      )}
      {reviews.data && open.length === 0 && <Text size="sm">Nothing is waiting for a decision.</Text>}
      {open.map((r) => (
        <Paper key={r.id} withBorder p="md" radius="md" data-testid="review" aria-label={`Possible match for ${recordLabel(r)}`}>
          <Stack gap="xs">
            <Text fw={600}>{reviewHeadline(r)}</Text>
            <Text size="sm" c="dimmed">
              {recordLabel(r)}, found {formatDateTime(r.createdAt)}
            </Text>
            <Stack gap={6} component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }} aria-label="EMR patients it may be">
              {r.candidates.map((c) => (
                <Group key={c.emrId} component="li" gap="sm" justify="space-between" wrap="wrap" data-testid="candidate">
                  <Text size="sm" style={{ overflowWrap: 'anywhere', minWidth: 0, flex: '1 1 12rem' }}>
                    {candidateWords(c)}
                  </Text>
                  <Button size="xs" variant="light" onClick={() => link(r, c)} disabled={decide.isPending || c.found === false} aria-label={`Link to EMR patient ${c.emrId}`}>
                    Link
                  </Button>
                </Group>
              ))}
            </Stack>
            <Group gap="xs" wrap="wrap">
              <Button size="xs" onClick={() => create(r)} disabled={decide.isPending}>
                Create a new EMR patient
              </Button>
              <Button size="xs" variant="subtle" onClick={() => ignore(r)} disabled={decide.isPending}>
                Ignore
              </Button>
            </Group>
          </Stack>
        </Paper>
      ))}
    </Stack>
  );
}
