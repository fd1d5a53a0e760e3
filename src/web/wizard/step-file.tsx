import { Alert, Badge, Button, Card, Group, Loader, Progress, Stack, Table, Text, Title } from '@mantine/core';
import { Dropzone, type FileRejection } from '@mantine/dropzone';
import { useState } from 'react';
import type { RecordType } from '../../domain/identifiers.js';
import type { CsvReadState } from '../csv/use-csv-reader.js';
import { formatBytes, formatCount, plural } from '../format/format.js';
import { ProblemTable } from '../problems/problem-table.js';
import { HeaderIssues } from './step-check.js';

/** The brief's ceiling; larger exports should be split (and would take hours to send anyway). */
export const MAX_ROWS = 1_000_000;

const ACCEPT = {
  'text/csv': ['.csv'],
  'text/plain': ['.csv', '.txt', '.tsv'],
  'text/tab-separated-values': ['.tsv'],
  'application/vnd.ms-excel': ['.csv'],
  'application/csv': ['.csv'],
};

const DELIMITER_NAMES: Record<string, string> = { ',': 'commas', ';': 'semicolons', '\t': 'tabs', '|': 'vertical bars' };

interface Props {
  recordType: RecordType;
  file: File | null;
  read: CsvReadState;
  onFile: (file: File) => void;
  onClear: () => void;
}

export function StepFile({ recordType, file, read, onFile, onClear }: Props) {
  const [rejected, setRejected] = useState<string | null>(null);

  const onReject = (rejections: FileRejection[]) => {
    const name = rejections[0]?.file.name ?? 'This file';
    setRejected(
      /\.xlsx?$/i.test(name)
        ? `${name} is an Excel workbook. In Excel choose File › Save As › “CSV UTF-8 (comma delimited)”, then choose the saved file here.`
        : `${name} is not a CSV file. Export your list as CSV (comma or semicolon separated values) and choose that file.`,
    );
  };

  return (
    <Stack gap="lg">
      <Title order={2} size="h3">
        Choose the file exported from your EMR
      </Title>
      {!file && (
        <Dropzone
          onDrop={(files: File[]) => {
            setRejected(null);
            if (files[0]) onFile(files[0]);
          }}
          onReject={onReject}
          accept={ACCEPT}
          multiple={false}
          inputProps={{ 'aria-label': 'Choose a CSV file' }}
          // The drop area itself is reached with Tab and opens the file chooser with Enter or
          // Space (react-dropzone); named as a button, not its default role "presentation".
          role="button"
          aria-label="Choose the CSV file: drag it here, or press Enter to browse"
          data-testid="file-dropzone"
        >
          <Stack align="center" gap={4} py="xl" style={{ pointerEvents: 'none' }}>
            <Text size="xl" fw={600}>
              Drag the CSV file here, or click to choose it
            </Text>
            <Text size="sm" c="dimmed">
              One line per {recordType === 'contacts' ? 'patient' : 'appointment'}, with a header line. Up to{' '}
              {formatCount(MAX_ROWS)} lines. Commas, semicolons or tabs; UTF-8 or Windows (ANSI) text.
            </Text>
          </Stack>
        </Dropzone>
      )}
      {rejected && (
        <Alert color="red" role="alert" title="This file cannot be used">
          {rejected}
        </Alert>
      )}
      {file && <FileSummary file={file} read={read} onClear={onClear} />}
      {file && read.header && read.preview && <FilePreview header={read.header} rows={read.preview.slice(0, 5).map((r) => r.cells)} />}
      {file && <QuickCheck recordType={recordType} read={read} />}
    </Stack>
  );
}

function FileSummary({ file, read, onClear }: { file: File; read: CsvReadState; onClear: () => void }) {
  const reading = read.phase === 'reading';
  const pct = read.totalBytes > 0 ? Math.min(100, (read.bytes / read.totalBytes) * 100) : 0;
  const tooMany = read.rows > MAX_ROWS;
  // Nothing at all (0 bytes, or only blank lines): there is no header either.
  const empty = read.phase === 'done' && (read.header === null || read.header.length === 0);
  return (
    <Card withBorder padding="md">
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <Stack gap={4}>
          <Text fw={600} data-testid="file-name">
            {file.name}
          </Text>
          <Text size="sm" c="dimmed">
            {formatBytes(file.size)}
            {read.sniff && ` · ${read.sniff.encodingLabel} · values separated by ${DELIMITER_NAMES[read.sniff.delimiter]}`}
            {read.header && ` · ${plural(read.header.length, 'column', 'columns')}`}
          </Text>
        </Stack>
        <Button variant="default" size="xs" onClick={onClear}>
          Choose another file
        </Button>
      </Group>
      <Group mt="md" gap="sm" aria-live="polite">
        {reading && <Loader size="xs" aria-hidden />}
        {read.phase !== 'failed' && !empty && (
          <Text size="sm" data-testid="file-status">
            {reading ? 'Reading the file… ' : 'File read: '}
            <Text span fw={700} data-testid="rows-read">
              {formatCount(read.rows)}
            </Text>{' '}
            {read.rows === 1 ? 'line' : 'lines'} (not counting the header)
          </Text>
        )}
      </Group>
      {reading && <Progress value={pct} mt="xs" size="sm" aria-label="Reading progress" animated />}
      {read.phase === 'failed' && (
        <Alert color="red" mt="md" role="alert" title="The file could not be read">
          {read.error} Export the list from your EMR or spreadsheet as CSV, then choose that file.
        </Alert>
      )}
      {empty && (
        <Alert color="red" mt="md" role="alert" title="The file is empty" data-testid="file-empty">
          There is nothing in this file{file.size === 0 ? ' (0 bytes)' : ''}: no header line and no lines to import. Export
          the list from your EMR again, check that the export finished, and choose the new file.
        </Alert>
      )}
      {read.phase === 'done' && read.header && read.header.length === 1 && (read.header[0] ?? '') !== '' && (
        <Alert color="orange" mt="md" title="Only one column found">
          The file seems to have a single column. If it was saved from a spreadsheet, save it again as CSV with commas
          or semicolons between values.
        </Alert>
      )}
      {read.phase === 'done' && read.rows === 0 && !empty && (
        <Alert color="red" mt="md" role="alert" title="No lines to import" data-testid="file-header-only">
          The file has only its header line ({read.header?.join(', ')}) and no lines under it, so there is nothing to
          import. Export the records again and choose the new file.
        </Alert>
      )}
      {tooMany && (
        <Alert color="red" mt="md" role="alert" title="Too many lines">
          This file has more than {formatCount(MAX_ROWS)} lines. Split it into smaller files and import them one after
          the other.
        </Alert>
      )}
    </Card>
  );
}

function FilePreview({ header, rows }: { header: string[]; rows: string[][] }) {
  return (
    <Stack gap="xs">
      <Text fw={600}>First lines of your file</Text>
      <Table.ScrollContainer minWidth={600} maxHeight={260}>
        <Table withTableBorder withColumnBorders striped fz="xs" aria-label="First lines of your file" stickyHeader>
          <Table.Thead>
            <Table.Tr>
              {header.map((h, i) => (
                <Table.Th key={i} style={{ whiteSpace: 'nowrap' }}>
                  {h || `(column ${i + 1})`}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r, i) => (
              <Table.Tr key={i}>
                {header.map((_h, j) => (
                  <Table.Td key={j} style={{ whiteSpace: 'nowrap', maxWidth: 220, overflow: 'hidden', textOverflow: 'ellipsis' }}>
                    {r[j] ?? ''}
                  </Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}

function QuickCheck({ recordType, read }: { recordType: RecordType; read: CsvReadState }) {
  if (!read.checking || read.phase === 'failed') return null;
  // An empty or header-only file has nothing to check: its own message says so.
  if (read.phase === 'done' && read.rows === 0) return null;
  const done = read.phase === 'done';
  return (
    <Card withBorder padding="md" aria-label="Quick check">
      <Group justify="space-between" mb="xs">
        <Text fw={600}>Quick check with the suggested matching</Text>
        {read.invalidRows === 0 ? (
          <Badge color={done ? 'teal' : 'gray'} variant="light">
            {done ? 'No problems found' : 'No problems so far'}
          </Badge>
        ) : (
          <Badge color="orange" variant="light">
            <span data-testid="quick-invalid-count">{formatCount(read.invalidRows)}</span>{' '}
            {read.invalidRows === 1 ? 'line needs' : 'lines need'} attention
          </Badge>
        )}
      </Group>
      <HeaderIssues read={read} />
      {read.problems.length > 0 ? (
        <>
          <Text size="sm" c="dimmed" mb="xs">
            Often a different column choice or format on the next screen fixes many lines at once. Step 4 lists every
            problem.
          </Text>
          <ProblemTable recordType={recordType} lines={read.problems.slice(0, 3)} label="First problems found" clientPageSize={3} />
        </>
      ) : (
        <Text size="sm" c="dimmed">
          {done ? 'Every line passed the first checks.' : 'Lines are checked as the file is read.'}
        </Text>
      )}
    </Card>
  );
}
