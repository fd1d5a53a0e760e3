import { Alert, Card, Group, List, Loader, SimpleGrid, Stack, Text } from '@mantine/core';
import type { RecordType } from '../../domain/identifiers.js';
import type { ChangeKind, ChangePreview, ChangeSample } from '../../flows/bulk-import/change-preview.js';
import { useChangePreview } from '../api/preview.js';
import { formatCount, plural, sentence } from '../format/format.js';
import { CheckStat } from './check-stat.js';

interface Props {
  runId: string;
  recordType: RecordType;
  updateExisting: boolean;
  moveBetweenDivisions: boolean;
  /** The card's heading (the file check numbers its cards). */
  title?: string;
}

type Words = Record<ChangeKind, { stat: string; sample: string }>;

const WORDS: Record<RecordType, Words> = {
  contacts: {
    create: { stat: 'New patients', sample: 'New patients, for example' },
    update: { stat: 'Will be updated', sample: 'Updated, for example' },
    unchanged: { stat: 'Already up to date', sample: 'Already up to date, for example' },
    notUpdated: { stat: 'Differ, not updated', sample: 'Already in OnCall with other values, for example' },
    move: { stat: 'Moved from another clinic', sample: 'Moved into this clinic, for example' },
    otherClinic: { stat: 'In another clinic, not moved', sample: 'In another clinic, for example' },
    leftOut: { stat: 'Left out (problems)', sample: 'Left out, for example' },
  },
  appointments: {
    create: { stat: 'New appointments', sample: 'New appointments, for example' },
    update: { stat: 'Will be updated', sample: 'Updated, for example' },
    unchanged: { stat: 'Already up to date', sample: 'Already up to date, for example' },
    notUpdated: { stat: 'Differ, not updated', sample: 'Already in OnCall with other values, for example' },
    move: { stat: 'Moved from another clinic', sample: 'Moved into this clinic, for example' },
    otherClinic: { stat: 'In another clinic, not moved', sample: 'In another clinic, for example' },
    leftOut: { stat: 'Left out (problems)', sample: 'Left out, for example' },
  },
};

/** Always shown, even at 0: what the person expects to read. The others only when they happen. */
const ALWAYS: readonly ChangeKind[] = ['create', 'update', 'unchanged', 'leftOut'];
const ORDER: readonly ChangeKind[] = ['create', 'update', 'notUpdated', 'unchanged', 'move', 'otherClinic', 'leftOut'];

/**
 * After the server check and before "Start": what the import would do in OnCall, computed on
 * the server with the run's own comparison (GET /api/imports/:id/preview) for the boxes as
 * they are ticked now. Nothing is sent to OnCall.
 */
export function ChangePreviewCard(props: Props) {
  const preview = useChangePreview(props.runId, { updateExisting: props.updateExisting, moveBetweenDivisions: props.moveBetweenDivisions });
  return (
    <Card withBorder padding="md" aria-label="What will change in OnCall" data-testid="change-preview">
      <Group justify="space-between" mb="xs">
        <Text fw={600}>{props.title ?? 'What will change in OnCall'}</Text>
        {preview.isFetching && (
          <Group gap={6}>
            <Loader size="xs" aria-hidden />
            <Text size="sm">Comparing with OnCall…</Text>
          </Group>
        )}
      </Group>
      {preview.isError && (
        <Alert color="red" role="alert" title="OnCall could not be compared">
          {sentence(preview.error.message)} You can still start the import: each line is compared again when it is sent.
        </Alert>
      )}
      {preview.data && <PreviewBody preview={preview.data} recordType={props.recordType} />}
    </Card>
  );
}

function PreviewBody({ preview, recordType }: { preview: ChangePreview; recordType: RecordType }) {
  const words = WORDS[recordType];
  const kinds = ORDER.filter((k) => ALWAYS.includes(k) || preview.counts[k] > 0);
  return (
    <Stack gap="sm">
      <Text size="sm">Nothing has been sent yet. If you start the import now:</Text>
      <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm">
        {kinds.map((k) => (
          <CheckStat key={k} label={words[k].stat} value={preview.counts[k]} testId={`preview-${k}`} color={k === 'leftOut' && preview.counts[k] > 0 ? 'orange.8' : undefined} />
        ))}
      </SimpleGrid>
      {(['update', 'notUpdated', 'move'] as const).map((k) =>
        preview.fieldGroups[k].length > 0 ? (
          <div key={k} data-testid={`preview-fields-${k}`}>
            <Text size="sm" fw={600}>
              {k === 'update' ? 'Fields that will be updated' : k === 'move' ? 'Fields that change with the move' : 'Fields that differ (left as they are)'}
            </Text>
            <List size="sm" spacing={2}>
              {preview.fieldGroups[k].map((g) => (
                <List.Item key={g.labels.join()}>
                  {g.labels.join(', ')}: {plural(g.lines, 'line', 'lines')}
                </List.Item>
              ))}
            </List>
          </div>
        ) : null,
      )}
      {preview.counts.notUpdated > 0 && (
        <Text size="sm" c="dimmed" data-testid="preview-not-updated-note">
          {formatCount(preview.counts.notUpdated)} already in OnCall with other values will be left as they are. To update
          them, go back to “Match columns” and choose “Update existing”.
        </Text>
      )}
      {preview.counts.otherClinic > 0 && (
        <Text size="sm" c="dimmed">
          {formatCount(preview.counts.otherClinic)} exist in another clinic and will not be moved (see the box above to move them).
        </Text>
      )}
      {preview.unknown > 0 && (
        <Text size="sm" c="orange.8">
          {plural(preview.unknown, 'line', 'lines')} could not be compared now (OnCall did not answer); they are compared again when sent.
        </Text>
      )}
      {ORDER.filter((k) => preview.samples[k].length > 0).map((k) => (
        <div key={k} data-testid={`preview-samples-${k}`}>
          <Text size="sm" fw={600}>
            {words[k].sample}
          </Text>
          <List size="sm" spacing={2}>
            {preview.samples[k].map((s) => (
              <List.Item key={s.line} style={{ overflowWrap: 'anywhere' }}>
                {describeSample(s)}
              </List.Item>
            ))}
          </List>
        </div>
      ))}
    </Stack>
  );
}

function describeSample(s: ChangeSample): string {
  const who = [s.name, s.emrId ? `EMR id ${s.emrId}` : null].filter(Boolean).join(', ');
  const what = s.reason
    ? sentence(s.reason)
    : s.changes?.length
      ? s.changes.map((c) => (c.to ? `${c.label} → ${c.to}` : c.label)).join('; ')
      : '';
  return `Line ${s.line}${who ? ` · ${who}` : ''}${what ? ` — ${what}` : ''}`;
}
