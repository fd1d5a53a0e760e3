import { Alert, Button, Card, Code, Group, Loader, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { ApiError } from '../api/http.js';
import { formatBytes, formatDateTime } from '../format/format.js';
import { ResponsiveTable, type Column } from '../layout/responsive-table.js';
import { AppLink } from '../router/app-link.js';
import { DELIVERY_STATUS_TEXT, DeliveryStatusBadge } from './delivery-status.js';
import { useDocument, useResend, type AttemptView, type DeliveryDetail } from './documents-api.js';
import { DOCUMENTS_PATH } from './paths.js';

/**
 * One sending (/documents/:id): the request, each delivery (a FHIR Communication) with its
 * status history and attempts, the message as sent with the document's base64 elided, and a
 * re-send button when the last delivery failed and the bytes are still kept.
 */
export function DocumentPage({ transactionId }: { transactionId: string }) {
  const doc = useDocument(transactionId);
  const resend = useResend(transactionId);

  if (doc.isPending) return <Loader aria-label="Loading the document" />;
  if (doc.isError) {
    const notFound = doc.error instanceof ApiError && doc.error.status === 404;
    return (
      <Stack gap="lg">
        <Title order={1} size="h2">
          Document
        </Title>
        <Alert color="red" role="alert" title={notFound ? 'This document is not known' : 'The document could not be loaded'}>
          {notFound ? 'Its tracking period may be over. ' : `${doc.error.message} `}
          <AppLink to={DOCUMENTS_PATH}>Back to the documents</AppLink>
        </Alert>
      </Stack>
    );
  }
  const d = doc.data;
  const last = d.deliveries[d.deliveries.length - 1];
  return (
    <Stack gap="lg">
      <Stack gap={4}>
        <Text size="sm">
          <AppLink to={DOCUMENTS_PATH}>Documents</AppLink> ›
        </Text>
        <Group justify="space-between" align="center">
          <Group gap="sm">
            <Title order={1} size="h2">
              {d.title ?? d.transactionId}
            </Title>
            {last && <DeliveryStatusBadge status={last.status} size="lg" />}
          </Group>
          {d.canResend && (
            <Button onClick={() => resend.mutate()} loading={resend.isPending}>
              Send again
            </Button>
          )}
        </Group>
        <Text size="sm" c="dimmed">
          Received {formatDateTime(d.createdAt)} from {d.client.name} · route {d.route} · tracked until {formatDateTime(d.trackingUntil)}
        </Text>
      </Stack>
      {resend.isError && (
        <Alert color="red" role="alert" title="Not sent again">
          {resend.error.message}
        </Alert>
      )}
      <Card withBorder>
        <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }} spacing="xs">
          <Field label="Transaction id" value={d.transactionId} />
          <Field label="Control id (MSH-10, file names)" value={d.controlId} />
          <Field label="Patient" value={`Patient/${d.patientId}`} />
          <Field label="Encounter" value={d.encounterId ? `Encounter/${d.encounterId}` : '–'} />
          <Field label="Document" value={`${d.contentType}, ${formatBytes(d.size)}, LOINC ${d.documentType}`} />
          <Field label="Author (RPPS)" value={d.senderRpps ?? '–'} />
          <Field label="SHA-256" value={d.sha256} />
          <Field label="Document bytes" value={d.documentPurgedAt ? `purged ${formatDateTime(d.documentPurgedAt)}` : 'kept'} />
        </SimpleGrid>
      </Card>
      {[...d.deliveries].reverse().map((del) => (
        <Delivery key={del.id} delivery={del} />
      ))}
    </Stack>
  );
}

function Field({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm" style={{ wordBreak: 'break-all' }}>
        {value}
      </Text>
    </div>
  );
}

/** A status in staff words ("Failed", not entered-in-error). */
function statusWord(status: string): string {
  return Object.hasOwn(DELIVERY_STATUS_TEXT, status) ? DELIVERY_STATUS_TEXT[status as keyof typeof DELIVERY_STATUS_TEXT].label : 'Other';
}

const ATTEMPT_COLUMNS: Column<AttemptView>[] = [
  { key: 'attempt', label: 'Attempt', render: (a) => a.attempt },
  { key: 'started', label: 'Started', render: (a) => formatDateTime(a.startedAt) },
  { key: 'outcome', label: 'Outcome', render: (a) => a.outcome ?? 'in flight' },
  { key: 'answer', label: 'Answer', render: (a) => a.ackCode ?? '–' },
  {
    key: 'detail',
    label: 'Detail',
    render: (a) => (
      <Text size="sm" style={{ wordBreak: 'break-word' }}>
        {a.detail ?? ''}
      </Text>
    ),
  },
];

function Delivery({ delivery: del }: { delivery: DeliveryDetail }) {
  return (
    <Card withBorder>
      <Stack gap="sm">
        <Group justify="space-between">
          <Group gap="sm">
            <Title order={2} size="h4">
              Delivery {del.seq}
            </Title>
            <DeliveryStatusBadge status={del.status} />
          </Group>
          <Text size="sm" c="dimmed">
            {del.format} over {del.transport} · {del.sentAt ? `delivered ${formatDateTime(del.sentAt)}` : del.nextAttemptAt ? `next attempt ${formatDateTime(del.nextAttemptAt)}` : ''}
          </Text>
        </Group>
        {del.statusReason && del.status !== 'completed' && (
          <Alert color={del.status === 'in-progress' ? 'yellow' : 'red'} title={del.status === 'in-progress' ? 'Last attempt failed, will retry' : 'Why it failed'}>
            {del.statusReason}
          </Alert>
        )}
        <ResponsiveTable
          label={`Attempts of delivery ${del.seq}`}
          data={del.attemptLog}
          columns={ATTEMPT_COLUMNS}
          rowKey={(a) => String(a.attempt)}
          tableProps={{ verticalSpacing: 4 }}
        />
        <Text size="xs" c="dimmed">
          History: {del.events.map((e) => `${statusWord(e.status)} ${formatDateTime(e.at)}`).join(' → ')}
        </Text>
        {del.messagePreview && (
          <Stack gap={4}>
            <Text size="sm" fw={600}>
              Message as sent{del.messageName ? ` (${del.messageName})` : ''}
            </Text>
            {/* Scrolls on its own: focusable, so a keyboard can scroll it too. */}
            <Code
              block
              tabIndex={0}
              role="region"
              aria-label={`Message as sent, delivery ${del.seq}`}
              style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all', maxHeight: 420, overflow: 'auto' }}
              data-testid="message-preview"
            >
              {del.messagePreview.replace(/\r/g, '\n')}
            </Code>
          </Stack>
        )}
      </Stack>
    </Card>
  );
}
