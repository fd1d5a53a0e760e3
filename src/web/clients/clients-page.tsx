import { Alert, Badge, Button, Card, Checkbox, Code, Group, Loader, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { formatDateTime } from '../format/format.js';
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
        <Alert color="green" title={`Client ${created.name} created`} withCloseButton onClose={() => setCreated(null)}>
          <Stack gap={4}>
            <Text size="sm">Copy the secret now: it is not shown again.</Text>
            <Text size="sm">
              client_id: <Code data-testid="new-client-id">{created.id}</Code>
            </Text>
            <Text size="sm">
              client_secret: <Code data-testid="new-client-secret">{created.secret}</Code>
            </Text>
          </Stack>
        </Alert>
      )}
      {clients.isPending && <Loader aria-label="Loading clients" />}
      {clients.isError && (
        <Alert color="red" role="alert" title="The clients could not be loaded">
          {clients.error.message}
        </Alert>
      )}
      {(clients.data?.items.length ?? 0) > 0 && (
        <Table verticalSpacing="sm" aria-label="API clients">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Client id</Table.Th>
              <Table.Th>Scopes</Table.Th>
              <Table.Th>Created</Table.Th>
              <Table.Th>Last token</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {clients.data!.items.map((c) => (
              <Table.Tr key={c.id}>
                <Table.Td>{c.name}</Table.Td>
                <Table.Td>
                  <Code>{c.id}</Code>
                </Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {c.scopes.map((s) => (
                      <Badge key={s} variant="light" size="sm">
                        {s}
                      </Badge>
                    ))}
                  </Group>
                </Table.Td>
                <Table.Td>{formatDateTime(c.createdAt)}</Table.Td>
                <Table.Td>{formatDateTime(c.lastUsedAt)}</Table.Td>
                <Table.Td ta="right">
                  {c.revokedAt ? (
                    <Badge color="gray">Revoked</Badge>
                  ) : (
                    <Button
                      size="xs"
                      color="red"
                      variant="light"
                      loading={revoke.isPending && revoke.variables === c.id}
                      onClick={() => {
                        if (window.confirm(`Revoke ${c.name}? Its tokens stop working at once.`)) revoke.mutate(c.id);
                      }}
                    >
                      Revoke
                    </Button>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
