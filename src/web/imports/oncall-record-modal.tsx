import { Alert, Anchor, Group, Loader, Modal, Stack, Table, Text } from '@mantine/core';
import { useOnCallRecord } from '../api/oncall-record.js';

const KIND_WORD = { contacts: 'Patient', appointments: 'Appointment' } as const;

/**
 * A report line's OnCall record as OnCall holds it now (GET /api/oncall/record: the engine reads
 * it with its own credentials), with plain labels, and a link to OnCall's own page of it when
 * the engine knows that address (ONCALL_WEB_URL).
 */
export function OnCallRecordModal({ url, onClose }: { url: string | null; onClose: () => void }) {
  const record = useOnCallRecord(url);
  const r = record.data;
  return (
    <Modal opened={url !== null} onClose={onClose} title={r ? `${KIND_WORD[r.kind]} in OnCall: ${r.title}` : 'OnCall record'} size="lg">
      {record.isPending && <Loader size="sm" aria-label="Loading the OnCall record" />}
      {record.isError && (
        <Alert color="red" role="alert" title="The record could not be shown">
          {record.error.message}
        </Alert>
      )}
      {r && (
        <Stack gap="sm">
          <Text size="sm" c="dimmed">
            As OnCall holds it now ({KIND_WORD[r.kind].toLowerCase()} number {r.id}).
          </Text>
          <Table verticalSpacing={4} aria-label="OnCall record" data-testid="oncall-record">
            <Table.Tbody>
              {r.fields.map((f, i) => (
                <Table.Tr key={`${f.label}-${i}`}>
                  <Table.Th w="40%" style={{ fontWeight: 600, verticalAlign: 'top' }}>
                    {f.label}
                  </Table.Th>
                  <Table.Td style={{ overflowWrap: 'anywhere' }}>{f.value}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {r.webUrl && (
            <Group>
              <Anchor href={r.webUrl} target="_blank" rel="noreferrer">
                Open it in OnCall
              </Anchor>
            </Group>
          )}
        </Stack>
      )}
    </Modal>
  );
}
