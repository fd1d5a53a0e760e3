import { Alert, Button, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { plural } from '../format/format.js';
import { confirmAction } from '../layout/confirm.js';
import { useChannelRates } from './channel-rate.js';
import { SyncOverview } from './channel-cards.js';
import { portOf } from './labels.js';
import { MessageFilters, NO_FILTER, isFiltered, toMessageFilters, type FilterInputs } from './message-filters.js';
import { MessageList } from './message-list.js';
import { useMessages, useReprocessMany, useReprocessOne, useSyncStatus, type ReprocessAnswer, type SyncStatus } from './sync-api.js';

/**
 * The Sync page (/sync, issue 8 "Seeing it work"): each channel with its state, rate, last
 * message and errors; the processing backlog; the messages filtered by status, type, patient id,
 * source and time; failed messages sent back to processing one by one or all at once. Refreshes
 * every 2.5 s while the tab is visible.
 */
export function SyncPage() {
  const status = useSyncStatus();
  const rates = useChannelRates(status.data);
  const [inputs, setInputs] = useState<FilterInputs>(NO_FILTER);
  // Typing a patient id or a time must not ask the server at every key.
  const [debounced] = useDebouncedValue(inputs, 300);
  // Older pages: the `next` cursors followed so far (empty: the newest page).
  const [cursors, setCursors] = useState<string[]>([]);
  const filters = toMessageFilters(debounced);
  const cursor = cursors[cursors.length - 1];
  const list = useMessages(cursor ? { ...filters, before: cursor } : filters);
  const one = useReprocessOne();
  const many = useReprocessMany();
  const [done, setDone] = useState<string | null>(null);

  const changeFilters = (f: FilterInputs) => {
    setInputs(f);
    setCursors([]);
  };
  const reprocessOne = (id: number) => {
    setDone(null);
    one.mutate(id, { onSuccess: (r) => setDone(r.requeued > 0 ? `Message ${id} is waiting to be processed again.` : `Message ${id} was not failed any more: nothing to do.`) });
  };
  const failed = status.data?.processing.failed ?? 0;
  const reprocessAll = () => {
    const { status: _s, ...rest } = toMessageFilters(inputs);
    const narrowed = Object.keys(rest).length > 0;
    confirmAction({
      title: 'Reprocess all failed messages?',
      message: narrowed
        ? 'Every failed message that matches the filters goes back to waiting and is processed again, in the order received. What already matches in OnCall is left as it is.'
        : `${plural(failed, 'failed message goes', 'failed messages go')} back to waiting and ${failed === 1 ? 'is' : 'are'} processed again, in the order received. What already matches in OnCall is left as it is.`,
      confirmLabel: 'Reprocess them',
      destructive: false,
      onConfirm: () => {
        setDone(null);
        many.mutate({ ...rest, status: 'failed' }, { onSuccess: (r) => setDone(reprocessedText(r)) });
      },
    });
  };
  const error = one.error ?? many.error;
  const items = list.data?.items ?? [];

  return (
    <Stack gap="lg">
      <Title order={1} size="h2">
        Sync
      </Title>
      {status.isPending && <Loader aria-label="Loading the sync status" />}
      {status.isError && (
        <Alert color="red" role="alert" title="The sync status could not be loaded">
          {status.error.message}
        </Alert>
      )}
      {status.data && <SyncOverview status={status.data} rates={rates} />}

      <Group justify="space-between" align="end">
        <Title order={2} size="h3">
          Messages
        </Title>
        {failed > 0 && (
          <Button variant="light" color="red" onClick={reprocessAll} loading={many.isPending}>
            Reprocess all failed
          </Button>
        )}
      </Group>
      <MessageFilters value={inputs} onChange={changeFilters} />
      {done && (
        <Alert color="green" role="status" withCloseButton onClose={() => setDone(null)} closeButtonLabel="Dismiss">
          {done}
        </Alert>
      )}
      {error && (
        <Alert color="red" role="alert" title="Not reprocessed">
          {error.message}
        </Alert>
      )}
      {list.isPending && <Loader aria-label="Loading the messages" />}
      {list.isError && (
        <Alert color="red" role="alert" title="The messages could not be loaded">
          {list.error.message}
        </Alert>
      )}
      {list.isSuccess && items.length === 0 && (
        <Text c="dimmed" data-testid="no-messages">
          {isFiltered(inputs) || cursors.length > 0 ? 'No message matches.' : emptyText(status.data)}
        </Text>
      )}
      {items.length > 0 && <MessageList items={items} onReprocess={reprocessOne} reprocessing={one.isPending ? (one.variables ?? null) : null} />}
      {(cursors.length > 0 || list.data?.next) && (
        <Group gap="sm">
          {cursors.length > 0 && (
            <Button variant="default" onClick={() => setCursors([])}>
              Newest messages
            </Button>
          )}
          {list.data?.next && (
            <Button variant="default" onClick={() => setCursors((c) => [...c, list.data!.next!])}>
              Older messages
            </Button>
          )}
        </Group>
      )}
    </Stack>
  );
}

function reprocessedText(r: ReprocessAnswer): string {
  if (r.requeued === 0) return 'No failed message matched: nothing to do.';
  const more = r.left ? ` ${plural(r.left, 'more matches', 'more match')}: press Reprocess all failed again for them.` : '';
  return `${plural(r.requeued, 'message is', 'messages are')} waiting to be processed again.${more}`;
}

/** The empty list says where to send messages, when this process listens. */
function emptyText(status: SyncStatus | undefined): string {
  const mllp = status?.channels.find((c) => c.name === 'mllp');
  const port = mllp ? portOf(mllp.detail) : null;
  if (port !== null) return `No messages yet. Send HL7 v2 messages over MLLP to port ${port}.`;
  if (status?.channels.some((c) => c.name === 'fhir')) return 'No messages yet. Changes in the EMR will appear here as the FHIR feed reads them.';
  return 'No messages yet.';
}
