import { Text } from '@mantine/core';
import { formatCount } from '../format/format.js';

/** One figure of a check step ("Ready to import 543"), the same for a file and for an EMR pull. */
export function CheckStat({ label, value, testId, color }: { label: string; value: number; testId: string; color?: string | undefined }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="xl" fw={700} c={color} data-testid={testId}>
        {formatCount(value)}
      </Text>
    </div>
  );
}
