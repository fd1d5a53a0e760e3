import { Badge } from '@mantine/core';
import type { RunStatus } from '../api/types.js';

export const STATUS_TEXT = {
  draft: { label: 'Waiting for the file', color: 'gray' },
  staging: { label: 'Checking the file', color: 'blue' },
  ready: { label: 'Checked, not started', color: 'blue' },
  running: { label: 'Importing', color: 'teal' },
  paused: { label: 'Paused', color: 'yellow' },
  completed: { label: 'Finished', color: 'green' },
  cancelled: { label: 'Cancelled', color: 'gray' },
  failed: { label: 'Stopped by an error', color: 'red' },
} as const satisfies Record<RunStatus, { label: string; color: string }>;

const BADGE_STYLES = { root: { flexShrink: 0 }, label: { overflow: 'visible', textOverflow: 'clip' } } as const;

export function StatusBadge({ status, size = 'md' }: { status: RunStatus; size?: 'sm' | 'md' | 'lg' }) {
  const s = STATUS_TEXT[status] ?? { label: status, color: 'gray' };
  return (
    // Never shortened to "Finish…": Mantine lets a badge's label shrink to nothing with an
    // ellipsis, and a table column gives it only what it asks for. Visible overflow makes the
    // label's full width the badge's least width, so the column makes room for it.
    <Badge color={s.color} variant="light" size={size} data-testid="run-status" data-status={status} styles={BADGE_STYLES}>
      {s.label}
    </Badge>
  );
}
