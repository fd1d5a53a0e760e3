import { Group, Radio, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { RECORD_TYPES, type RecordType } from '../../domain/identifiers.js';
import { RECORD_TYPE_LABELS, SOURCE_LABELS, type ImportSource } from './wizard-types.js';

interface Props {
  recordType: RecordType;
  onRecordType: (r: RecordType) => void;
  source: ImportSource;
  onSource: (s: ImportSource) => void;
}

export function StepWhat({ recordType, onRecordType, source, onSource }: Props) {
  return (
    <Stack gap="lg">
      <Stack gap="xs">
        <Title order={2} size="h3">
          Where do the records go?
        </Title>
        <Radio.Group value="oncall" label="Platform" aria-label="Platform">
          <SimpleGrid cols={{ base: 1, sm: 2 }} mt="xs">
            <ChoiceCard value="oncall" title="OnCall Health" detail="Virtual care platform. The only platform set up on this server." />
          </SimpleGrid>
        </Radio.Group>
      </Stack>
      <Radio.Group value={source} onChange={(v) => onSource(v as ImportSource)} label="Where do the records come from?">
        <SimpleGrid cols={{ base: 1, sm: 2 }} mt="xs">
          {(['file', 'emr'] as const).map((s) => (
            <ChoiceCard key={s} value={s} {...SOURCE_LABELS[s]} />
          ))}
        </SimpleGrid>
      </Radio.Group>
      {source === 'emr' && (
        <Text size="sm" data-testid="emr-record-type">
          Appointments are pulled from the EMR, each with its patient as participant. (Patients map by themselves: pull
          them with the command line, <code>ehr-bridge import --from</code>.)
        </Text>
      )}
      {source === 'file' && (
      <Radio.Group
        value={recordType}
        onChange={(v) => onRecordType(v as RecordType)}
        label="What does your file contain?"
      >
        <SimpleGrid cols={{ base: 1, sm: 2 }} mt="xs">
          {RECORD_TYPES.map((r) => (
            <ChoiceCard key={r} value={r} {...RECORD_TYPE_LABELS[r]} />
          ))}
        </SimpleGrid>
      </Radio.Group>
      )}
    </Stack>
  );
}

/** One answer of a step-1 question: a radio card with a title and a line of detail. */
function ChoiceCard({ value, title, detail }: { value: string; title: string; detail: string }) {
  return (
    <Radio.Card value={value} p="md" radius="md" aria-label={title}>
      <Group wrap="nowrap" align="flex-start">
        <Radio.Indicator />
        <div>
          <Text fw={600}>{title}</Text>
          <Text size="sm" c="dimmed">
            {detail}
          </Text>
        </div>
      </Group>
    </Radio.Card>
  );
}
