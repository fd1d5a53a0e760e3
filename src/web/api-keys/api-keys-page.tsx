import { Alert, Button, Card, Code, Group, Loader, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { formatDateTime } from '../format/format.js';
import { CopySecret } from '../layout/copy-secret.js';
import { ResponsiveTable, type Column } from '../layout/responsive-table.js';
import { RevokeCell } from '../layout/revoke-cell.js';
import { useApiKeys, useCreateApiKey, useRevokeApiKey, type ApiKeyView, type CreatedApiKey } from './api-keys-api.js';

export const API_KEYS_PATH = '/api-keys';

/**
 * API keys of the engine API (/api-keys): scripts and other systems call /api with one instead
 * of the admin's password. A new key is shown once, here, and never again (only its SHA-256 is kept).
 */
export function ApiKeysPage() {
  const keys = useApiKeys();
  const create = useCreateApiKey();
  const revoke = useRevokeApiKey();
  const [name, setName] = useState('');
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const items = keys.data?.items ?? [];

  const columns: Column<ApiKeyView>[] = [
    { key: 'name', label: 'Name', render: (k) => k.name },
    { key: 'prefix', label: 'Starts with', render: (k) => <Code>{k.prefix}…</Code> },
    { key: 'created', label: 'Created', render: (k) => formatDateTime(k.createdAt) },
    { key: 'used', label: 'Last used', render: (k) => (k.lastUsedAt ? formatDateTime(k.lastUsedAt) : 'Never') },
    {
      key: 'actions',
      label: '',
      align: 'right',
      render: (k) => (
        <RevokeCell
          what="key"
          name={k.name}
          revoked={Boolean(k.revokedAt)}
          pending={revoke.isPending && revoke.variables === k.id}
          consequence="Every script or system using it is refused at once."
          onRevoke={() => revoke.mutate(k.id)}
        />
      ),
    },
  ];

  return (
    <Stack gap="lg">
      <Title order={1} size="h2">
        API keys
      </Title>
      <Text size="sm" c="dimmed">
        Scripts and other systems call the engine API (<Code>/api</Code>) with a key in the <Code>Authorization: Bearer</Code> header.
      </Text>
      <Card withBorder>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate(name.trim(), {
              onSuccess: (k) => {
                setCreated(k);
                setName('');
              },
            });
          }}
        >
          <Stack gap="sm">
            <Title order={2} size="h4">
              New key
            </Title>
            <TextInput
              label="What it is for"
              description="A name you will recognise later, such as the script or system using it."
              required
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              maw={420}
            />
            {create.isError && (
              <Alert color="red" role="alert">
                {create.error.message}
              </Alert>
            )}
            <Group>
              <Button type="submit" loading={create.isPending} disabled={!name.trim()}>
                Create key
              </Button>
            </Group>
          </Stack>
        </form>
      </Card>
      {created && (
        <Alert color="green" title={`Key ${created.name} created`} withCloseButton closeButtonLabel="Close" onClose={() => setCreated(null)}>
          <Stack gap="xs">
            <Text size="sm">Copy the key now: it is not shown again.</Text>
            <CopySecret label="API key" value={created.key} testId="new-api-key" />
          </Stack>
        </Alert>
      )}
      {keys.isPending && <Loader aria-label="Loading API keys" />}
      {keys.isError && (
        <Alert color="red" role="alert" title="The keys could not be loaded">
          {keys.error.message}
        </Alert>
      )}
      {keys.isSuccess && items.length === 0 && <Text c="dimmed">No API key yet.</Text>}
      {items.length > 0 && <ResponsiveTable label="API keys" data={items} columns={columns} rowKey={(k) => k.id} />}
    </Stack>
  );
}
