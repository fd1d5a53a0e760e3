import { Badge } from '@mantine/core';
import { MESSAGE_STATUS_TEXT } from './labels.js';
import type { MessageStatus } from './sync-api.js';

export function MessageStatusBadge({ status, size = 'sm' }: { status: MessageStatus; size?: 'sm' | 'md' | 'lg' }) {
  const s = MESSAGE_STATUS_TEXT[status] ?? { label: status, color: 'gray' };
  return (
    // The whole label, never "Ignored (noth…": a badge cuts its text by default.
    <Badge color={s.color} variant="light" size={size} data-testid="message-status" data-status={status} style={{ maxWidth: 'none', overflow: 'visible' }} miw="max-content">
      {s.label}
    </Badge>
  );
}
