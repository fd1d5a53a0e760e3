import { Alert, Badge, Button, Card, Checkbox, Code, Group, Loader, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { formatDateTime } from '../format/format.js';
import { CopySecret } from '../layout/copy-secret.js';
import { ResponsiveTable, type Column } from '../layout/responsive-table.js';
import { RevokeCell } from '../layout/revoke-cell.js';
import { useCreateOauthClient, useOauthClients, useRevokeOauthClient, type OauthClientView } from './clients-api.js';

/**
 * OAuth clients of the FHIR API (/clients): the applications allowed to send documents to
 * EHRs and search patients. A new client's secret is shown once, here, and never again.
 */
export function ClientsPage() {
  const clients = useOauthClients();
  const create = useCreateOauthClient();
  const revoke = useRevokeOauthClient();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['SEND_TO_EHR']);
  const [created, setCreated] = useState<(OauthClientView & { secret: string }) | null>(null);
  const functional = Object.entries(clients.data?.scopes.functional ?? {});

  const columns: Column<OauthClientView>[] = [
    { key: 'name', label: 'Name', render: (c) => c.name },
    { key: 'id', label: 'Client id', render: (c) => <Code style={{ overflowWrap: 'anywhere' }}>{c.id}</Code> },
    {
      key: 'scopes',
      label: 'Scopes',
      render: (c) => (
        <Group gap={4}>
          {c.scopes.map((s) => (
            <Badge key={s} variant="light" size="sm">
              {s}
            </Badge>
          ))}
        </Group>
      ),
    },
    { key: 'created', label: 'Created', render: (c) => formatDateTime(c.createdAt) },
    { key: 'used', label: 'Last token', render: (c) => (c.lastUsedAt ? formatDateTime(c.lastUsedAt) : 'Never') },
    {
      key: 'actions',
      label: '',
      align: 'right',
      render: (c) => (
        <RevokeCell
          what="client"
          name={c.name}
          revoked={Boolean(c.revokedAt)}
          pending={revoke.isPending && revoke.variables === c.id}
          consequence="Its tokens stop working at once, and it cannot get new ones."
          onRevoke={() => revoke.mutate(c.id)}
        />
      ),
    },
  ];

  return (
    <Stack gap="lg">
      <Title order={1} size="h2">
        API clients
      </Title>
      <Text size="sm" c="dimmed">
        Applications get a token at <Code>POST /oauth/token</Code> (client credentials) and call the FHIR API at <Code>/fhir</Code>.
      </Text>
      <Card withBorder>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate({ name, scopes }, { onSuccess: (c) => {
              setCreated(c);
              setName('');
            } });
          }}
        >
          <Stack gap="sm">
            <Title order={2} size="h4">
              New client
            </Title>
            <TextInput label="Application name" required value={name} onChange={(e) => setName(e.currentTarget.value)} maw={420} />
            <Checkbox.Group label="Scopes" value={scopes} onChange={setScopes}>
              <Stack gap={6} mt={6}>
                {functional.map(([scope, grants]) => (
                  <Checkbox key={scope} value={scope} label={scope} description={`grants ${grants.join(', ')}`} />
                ))}
              </Stack>
            </Checkbox.Group>
            {create.isError && (
              <Alert color="red" role="alert">
                {create.error.message}
              </Alert>
            )}
            <Group>
              <Button type="submit" loading={create.isPending} disabled={!name.trim() || scopes.length === 0}>
                Create client
              </Button>
            </Group>
          </Stack>
        </form>
      </Card>
      {created && (
        <Alert color="green" title={`Client ${created.name} created`} withCloseButton closeButtonLabel="Close" onClose={() => setCreated(null)}>
          <Stack gap="xs">
            <Text size="sm">Copy the secret now: it is not shown again.</Text>
            <CopySecret label="Client id" value={created.id} testId="new-client-id" />
            <CopySecret label="Client secret" value={created.secret} testId="new-client-secret" />
          </Stack>
        </Alert>
      )}
      {clients.isPending && <Loader aria-label="Loading clients" />}
      {clients.isError && (
        <Alert color="red" role="alert" title="The clients could not be loaded">
          {clients.error.message}
        </Alert>
      )}
      {clients.isSuccess && clients.data.items.length === 0 && <Text c="dimmed">No API client yet.</Text>}
      {(clients.data?.items.length ?? 0) > 0 && (
        <ResponsiveTable label="API clients" data={clients.data!.items} columns={columns} rowKey={(c) => c.id} minWidth={760} />
      )}
    </Stack>
  );
}
