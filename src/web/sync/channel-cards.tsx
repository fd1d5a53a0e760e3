import { Badge, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { formatCount } from '../format/format.js';
import { formatMessageRate } from './channel-rate.js';
import { CHANNEL_STATE_TEXT, formatRelative } from './labels.js';
import { channelDetailText } from './parsed-text.js';
import type { ChannelStatus, SyncStatus } from './sync-api.js';

/**
 * One card per channel (MLLP listener, FHIR feed) and one for the processing: state, where it
 * listens, its counters, when the last message came and its last error.
 */
export function SyncOverview({ status, rates }: { status: SyncStatus; rates: Record<string, number | null> }) {
  return (
    <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="md">
      {status.channels.map((c) => (
        <ChannelCard key={c.name} channel={c} rate={rates[c.name] ?? null} />
      ))}
      {status.channels.length === 0 && (
        <Card withBorder data-testid="no-channel">
          <Title order={2} size="h4">
            No channel
          </Title>
          <Text size="sm" mt="xs">
            Nothing receives EMR messages in this process: no MLLP listener and no FHIR feed is running.
          </Text>
        </Card>
      )}
      <ProcessingCard status={status} />
    </SimpleGrid>
  );
}

function ChannelCard({ channel: c, rate }: { channel: ChannelStatus; rate: number | null }) {
  const state = CHANNEL_STATE_TEXT[c.state] ?? { label: c.state, color: 'gray' };
  return (
    <Card withBorder data-testid="channel-card" data-channel={c.name}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap" align="start">
          <Title order={2} size="h4">
            {c.kind}
          </Title>
          <Badge color={state.color} variant="light" data-testid="channel-state" style={WHOLE_BADGE}>
            {state.label}
          </Badge>
        </Group>
        <Text size="sm" c="dimmed">
          {channelDetailText(c.detail)}
        </Text>
        <Figures
          rows={[
            ['Messages received', formatCount(c.received)],
            ['Rate', formatMessageRate(rate)],
            ['Resends (not stored twice)', formatCount(c.duplicates)],
            ['Refused', formatCount(c.rejected)],
            ['Last message', formatRelative(c.lastMessageAt)],
          ]}
        />
        {c.lastError && (
          <Text size="sm" c="red.8" data-testid="channel-last-error">
            Last error ({formatCount(c.errors)} in all): {c.lastError}
          </Text>
        )}
      </Stack>
    </Card>
  );
}

function ProcessingCard({ status }: { status: SyncStatus }) {
  const p = status.processing;
  return (
    <Card withBorder data-testid="processing-card">
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap" align="start">
          <Title order={2} size="h4">
            Sending to {status.target.name}
          </Title>
          <Badge color={p.running ? 'green' : 'gray'} variant="light" style={WHOLE_BADGE}>
            {p.running ? 'Running' : 'Not in this process'}
          </Badge>
        </Group>
        <Text size="sm" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
          {status.target.baseUrl ?? 'Not configured'}
        </Text>
        <Figures
          rows={[
            ['Waiting', p.waiting > 0 && p.oldestWaitingAt ? `${formatCount(p.waiting)} (oldest ${formatRelative(p.oldestWaitingAt)})` : formatCount(p.waiting)],
            ['Failed', formatCount(p.failed)],
            ['Done in the last hour', formatCount(p.processedLastHour)],
          ]}
        />
      </Stack>
    </Card>
  );
}

/** A badge beside a title keeps its whole word ("Run…" on a phone otherwise): the title wraps instead. */
const WHOLE_BADGE = { flexShrink: 0, minWidth: 'max-content', overflow: 'visible' } as const;

function Figures({ rows }: { rows: [string, string][] }) {
  return (
    <Stack gap={2} component="dl" m={0}>
      {rows.map(([label, value]) => (
        <Group key={label} justify="space-between" gap="xs" wrap="nowrap">
          <Text size="sm" c="dimmed" component="dt">
            {label}
          </Text>
          <Text size="sm" fw={500} component="dd" m={0} ta="right">
            {value}
          </Text>
        </Group>
      ))}
    </Stack>
  );
}
