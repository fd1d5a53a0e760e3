import { Button, Text } from '@mantine/core';
import { formatCount, formatDateTime } from '../format/format.js';
import { ResponsiveTable, type Column } from '../layout/responsive-table.js';
import { AppLink } from '../router/app-link.js';
import { channelShortLabel, messageTypeLabel } from './labels.js';
import { messagePath } from './paths.js';
import { MessageStatusBadge } from './status-badge.js';
import type { MessageSummary } from './sync-api.js';

export interface MessageListProps {
  items: readonly MessageSummary[];
  onReprocess: (id: number) => void;
  /** The message being sent back to processing, if any (its button spins). */
  reprocessing: number | null;
}

/** The messages, newest first: a table on a laptop, cards on a phone; failed ones can be reprocessed. */
export function MessageList({ items, onReprocess, reprocessing }: MessageListProps) {
  const columns: Column<MessageSummary>[] = [
    { key: 'received', label: 'Received', render: (m) => <AppLink to={messagePath(m.id)}>{formatDateTime(m.receivedAt)}</AppLink> },
    { key: 'type', label: 'Type', render: (m) => <Text size="sm">{messageTypeLabel(m)}</Text> },
    {
      key: 'status',
      label: 'Status',
      render: (m) => (
        <>
          <MessageStatusBadge status={m.status} />
          {(m.error ?? m.statusReason) && m.status !== 'processed' && (
            <Text size="xs" c="dimmed" lineClamp={2} maw={300}>
              {m.error ?? m.statusReason}
            </Text>
          )}
        </>
      ),
    },
    { key: 'patients', label: 'Patient ids', render: (m) => <Text size="sm">{m.patientIds.length > 0 ? m.patientIds.join(', ') : '–'}</Text> },
    { key: 'source', label: 'Source', render: (m) => <Text size="sm" style={{ whiteSpace: 'nowrap' }}>{channelShortLabel(m.channel)}</Text> },
    // An id cut in two reads as two ids: kept on one line.
    { key: 'control', label: 'Control id', render: (m) => <Text size="sm" style={{ whiteSpace: 'nowrap' }}>{m.controlId || '–'}</Text> },
    { key: 'attempts', label: 'Attempts', align: 'right', render: (m) => <Text size="sm">{formatCount(m.attempts)}</Text> },
    {
      key: 'actions',
      label: '',
      hideInCard: (m) => m.status !== 'failed',
      render: (m) =>
        m.status === 'failed' ? (
          <Button size="xs" variant="light" onClick={() => onReprocess(m.id)} loading={reprocessing === m.id} aria-label={`Reprocess message ${m.id}`}>
            Reprocess
          </Button>
        ) : null,
    },
  ];
  return (
    <ResponsiveTable
      label="Messages"
      data={items}
      columns={columns}
      rowKey={(m) => String(m.id)}
      rowAttributes={(m) => ({ 'data-message-id': m.id, 'data-status': m.status })}
      minWidth={1000}
      tableProps={{ highlightOnHover: true }}
    />
  );
}
