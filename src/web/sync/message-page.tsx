import { Alert, Button, Card, Group, Loader, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { ApiError } from '../api/http.js';
import { formatBytes, formatCount, formatDateTime } from '../format/format.js';
import { AppLink } from '../router/app-link.js';
import { channelLabel, messageTypeLabel } from './labels.js';
import { SYNC_PATH } from './paths.js';
import { RawMessage } from './raw-message.js';
import { MessageStatusBadge } from './status-badge.js';
import { useMessage, useReprocessOne } from './sync-api.js';
import { TraceTimeline } from './trace-timeline.js';

/**
 * One inbound message (/sync/messages/:id): its header and status, the ACK sent, the message
 * itself one segment a line, and its trace (what it became, the decisions, the partner calls).
 */
export function MessagePage({ id }: { id: number }) {
  const msg = useMessage(id);
  const reprocess = useReprocessOne();

  if (msg.isPending) return <Loader aria-label="Loading the message" />;
  if (msg.isError) {
    const notFound = msg.error instanceof ApiError && (msg.error.status === 404 || msg.error.status === 400);
    return (
      <Stack gap="lg">
        <Title order={1} size="h2">
          Message
        </Title>
        <Alert color="red" role="alert" title={notFound ? 'This message is not known' : 'The message could not be loaded'}>
          {notFound ? 'It may have been removed by the retention policy. ' : `${msg.error.message} `}
          <AppLink to={SYNC_PATH}>Back to Sync</AppLink>
        </Alert>
      </Stack>
    );
  }
  const m = msg.data;
  return (
    <Stack gap="lg">
      <Stack gap={4}>
        <Text size="sm">
          <AppLink to={SYNC_PATH}>Sync</AppLink> ›
        </Text>
        <Group justify="space-between" align="center">
          <Group gap="sm">
            <Title order={1} size="h2">
              {messageTypeLabel(m)}
            </Title>
            <MessageStatusBadge status={m.status} size="lg" />
          </Group>
          {m.status === 'failed' && (
            <Button onClick={() => reprocess.mutate(m.id)} loading={reprocess.isPending}>
              Reprocess
            </Button>
          )}
        </Group>
        <Text size="sm" c="dimmed">
          Message {m.id} · received {formatDateTime(m.receivedAt)} from {channelLabel(m.channel)}
          {m.timesReceived > 1 ? ` · sent ${formatCount(m.timesReceived)} times (last ${formatDateTime(m.lastReceivedAt)})` : ''}
        </Text>
      </Stack>
      {reprocess.isError && (
        <Alert color="red" role="alert" title="Not reprocessed">
          {reprocess.error.message}
        </Alert>
      )}
      {(m.error ?? m.statusReason) && (
        <Alert color={m.status === 'failed' || m.status === 'rejected' ? 'red' : 'gray'} title={m.status === 'failed' ? 'Why it failed' : 'Why'}>
          {m.error ?? m.statusReason}
        </Alert>
      )}
      <Card withBorder>
        <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }} spacing="xs">
          <Field label="Control id (MSH-10)" value={m.controlId || '–'} />
          <Field label="Sender (MSH-3, MSH-4)" value={[m.sendingApplication, m.sendingFacility].filter(Boolean).join(' at ') || '–'} />
          <Field label="Version" value={m.version || '–'} />
          <Field label="Patient ids" value={m.patientIds.join(', ') || '–'} />
          <Field label="ACK sent" value={m.ackCode ?? 'none'} />
          <Field label="Attempts" value={formatCount(m.attempts)} />
          <Field label="Processed" value={formatDateTime(m.processedAt)} />
          <Field label="Size" value={`${formatBytes(m.sizeBytes)}${m.rawTruncated ? ' (only its start is kept)' : ''}`} />
          <Field label="From address" value={m.remoteAddress ?? '–'} />
        </SimpleGrid>
      </Card>
      <Stack gap="xs">
        <Title order={2} size="h3">
          What happened
        </Title>
        <TraceTimeline trace={m.trace} />
      </Stack>
      <Stack gap="xs">
        <Title order={2} size="h3">
          The message
        </Title>
        <RawMessage text={m.raw} label="The message as received" />
      </Stack>
      {m.ack && (
        <Stack gap="xs">
          <Title order={2} size="h3">
            The acknowledgement sent
          </Title>
          <RawMessage text={m.ack} label="The acknowledgement sent" />
        </Stack>
      )}
    </Stack>
  );
}

function Field({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
        {value}
      </Text>
    </div>
  );
}
