import { Button, Code, CopyButton, Group, Stack, Text, Tooltip } from '@mantine/core';

/**
 * A secret shown once (an API key, an OAuth client secret) with a button that copies it: a
 * long random string is easy to get wrong by selecting it on a phone.
 */
export function CopySecret({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <Stack gap={2}>
      <Text size="sm" fw={500}>
        {label}
      </Text>
      <Group gap="xs" wrap="nowrap" align="center">
        <Code data-testid={testId} style={{ overflowWrap: 'anywhere', wordBreak: 'break-all', minWidth: 0 }}>
          {value}
        </Code>
        <CopyButton value={value} timeout={2000}>
          {({ copied, copy }) => (
            <Tooltip label={copied ? 'Copied' : `Copy the ${label.toLowerCase()}`} withArrow position="top">
              <Button size="xs" variant={copied ? 'filled' : 'default'} color={copied ? 'teal' : undefined} onClick={copy} aria-label={`Copy the ${label.toLowerCase()}`} style={{ flexShrink: 0 }}>
                {copied ? 'Copied' : 'Copy'}
              </Button>
            </Tooltip>
          )}
        </CopyButton>
      </Group>
    </Stack>
  );
}

