import { Badge } from '@mantine/core';
import type { DeliveryStatus } from './documents-api.js';

/** FHIR Communication statuses in the words of the people who follow the deliveries. */
export const DELIVERY_STATUS_TEXT = {
  preparation: { label: 'Waiting', color: 'gray' },
  'in-progress': { label: 'Sending', color: 'blue' },
  completed: { label: 'Delivered', color: 'green' },
  'entered-in-error': { label: 'Failed', color: 'red' },
  unknown: { label: 'Not sent (error)', color: 'orange' },
} as const satisfies Record<DeliveryStatus, { label: string; color: string }>;

export function DeliveryStatusBadge({ status, size = 'md' }: { status: DeliveryStatus; size?: 'sm' | 'md' | 'lg' }) {
  const s = DELIVERY_STATUS_TEXT[status] ?? { label: status, color: 'gray' };
  return (
    <Badge color={s.color} variant="light" size={size} data-testid="delivery-status" data-status={status}>
      {s.label}
    </Badge>
  );
}
