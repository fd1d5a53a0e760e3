import {
  ActionIcon, Button, Checkbox, Group, Modal, MultiSelect, SegmentedControl, Select, Stack, Table, Text, TextInput,
} from '@mantine/core';
import { useMemo, useState } from 'react';
import type { RecordType } from '../../domain/identifiers.js';
import { compileMapping } from '../../flows/bulk-import/mapping/apply-mapping.js';
import { DATE_FORMATS, type DateFormat } from '../../flows/bulk-import/mapping/dates.js';
import type { FieldDefinition } from '../../flows/bulk-import/mapping/fields.js';
import { PHONE_COUNTRIES, type PhoneCountry } from '../../flows/bulk-import/mapping/phone.js';
import type { FieldMapping } from '../../flows/bulk-import/mapping/template.js';
import { DATE_FORMAT_EXAMPLES, fromEdit, toEdit, type FieldEdit } from './field-edit-model.js';
import { timeZoneOptions } from './time-zones.js';

interface Props {
  opened: boolean;
  recordType: RecordType;
  field: FieldDefinition;
  fieldKey: string;
  label: string;
  mapping: FieldMapping | undefined;
  header: string[];
  sampleRows: string[][];
  timeZone: string | undefined;
  onClose: () => void;
  onApply: (mapping: FieldMapping | undefined) => void;
}

const NAME_TYPES = new Set(['name']);
const TRANSLATABLE = new Set(['sex', 'appointment-type', 'text', 'reference']);

/**
 * Edits how one field is read: which column(s), and the clean-ups applied. A live preview of
 * the first lines shows the value before and after, so staff see the effect of each tick.
 */
export function FieldEditor(props: Props) {
  return (
    <Modal opened={props.opened} onClose={props.onClose} title={`How to read “${props.label}”`} size="xl">
      {props.opened && <FieldEditorBody {...props} />}
    </Modal>
  );
}

function FieldEditorBody({ recordType, field, fieldKey, label, mapping, header, sampleRows, timeZone, onClose, onApply }: Props) {
  const [edit, setEdit] = useState<FieldEdit>(() => {
    const e = toEdit(mapping);
    if (field.type === 'sex' && !e.valueMap.enabled) e.valueMap = { ...e.valueMap, preset: 'sex' };
    if (field.type === 'appointment-type' && !e.valueMap.enabled) e.valueMap = { ...e.valueMap, preset: 'appointment-type' };
    if (e.source === 'none') e.source = 'column';
    return e;
  });
  const set = (patch: Partial<FieldEdit>) => setEdit((e) => ({ ...e, ...patch }));
  const draft = fromEdit(edit);
  const columnOptions = header.map((h, i) => ({ value: h, label: h || `(column ${i + 1})` })).filter((o) => o.value !== '');

  const preview = useMemo(() => previewValues(recordType, fieldKey, draft, header, sampleRows, timeZone), [
    recordType, fieldKey, JSON.stringify(draft), header, sampleRows, timeZone,
  ]);

  const distinct = useMemo(() => {
    if (edit.source !== 'column' || !edit.column) return [];
    const i = header.indexOf(edit.column);
    const seen = new Set<string>();
    for (const r of sampleRows) {
      const v = (r[i] ?? '').trim();
      if (v !== '') seen.add(v);
      if (seen.size >= 12) break;
    }
    return [...seen];
  }, [edit.source, edit.column, header, sampleRows]);

  return (
    <Stack gap="md">
      <SegmentedControl
        aria-label="Where the value comes from"
        value={edit.source}
        onChange={(v) => set({ source: v as FieldEdit['source'] })}
        data={[
          { value: 'column', label: 'One column' },
          { value: 'columns', label: 'Several columns together' },
          { value: 'constant', label: 'Same value on every line' },
        ]}
      />
      {edit.source === 'column' && (
        <Select label="Column in your file" data={columnOptions} value={edit.column} onChange={(v) => set({ column: v })} searchable clearable />
      )}
      {edit.source === 'columns' && (
        <Group grow align="flex-start">
          <MultiSelect
            label="Columns, in order"
            data={columnOptions}
            value={edit.columns}
            onChange={(v) => set({ columns: v })}
            searchable
          />
          {!edit.datetime.enabled && (
            <TextInput
              label="Put between them"
              description="A space unless you type something else"
              value={edit.separator === ' ' ? '' : edit.separator}
              onChange={(e) => set({ separator: e.currentTarget.value === '' ? ' ' : e.currentTarget.value })}
            />
          )}
        </Group>
      )}
      {edit.source === 'constant' && (
        <TextInput label="Value for every line" value={edit.constant} onChange={(e) => set({ constant: e.currentTarget.value })} />
      )}

      {edit.source !== 'constant' && (
        <Stack gap="xs">
          <Text fw={600} size="sm">
            Clean-ups
          </Text>
          {NAME_TYPES.has(field.type) && (
            <>
              <Checkbox
                label="Remove digits (Marcell728 → Marcell)"
                checked={edit.stripDigits}
                onChange={(e) => set({ stripDigits: e.currentTarget.checked })}
              />
              <Select
                label="The column holds full names: keep only"
                data={[
                  { value: 'none', label: 'The whole value' },
                  { value: 'first', label: 'The first name' },
                  { value: 'last', label: 'The last name' },
                ]}
                value={edit.split}
                onChange={(v) => set({ split: (v ?? 'none') as FieldEdit['split'] })}
                allowDeselect={false}
                w={320}
              />
              <Checkbox
                label="Capitalise each word (SMITH → Smith)"
                checked={edit.title}
                onChange={(e) => set({ title: e.currentTarget.checked })}
              />
            </>
          )}
          {field.type === 'email' && (
            <Checkbox label="Write in lower case" checked={edit.lower} onChange={(e) => set({ lower: e.currentTarget.checked })} />
          )}
          {field.type === 'date' && (
            <Select
              label="Dates in the file are written as"
              data={DATE_FORMATS.filter((f) => f !== 'ISO').map((f) => ({ value: f, label: `${f}  (${DATE_FORMAT_EXAMPLES[f]})` }))}
              value={edit.date}
              onChange={(v) => set({ date: (v as DateFormat | null) ?? null })}
              clearable
              placeholder="Already YYYY-MM-DD"
              w={320}
            />
          )}
          {field.type === 'datetime' && (
            <Group grow align="flex-start">
              <Select
                label="Dates in the file are written as"
                data={DATE_FORMATS.map((f) => ({ value: f, label: `${f}  (${DATE_FORMAT_EXAMPLES[f]})` }))}
                value={edit.datetime.dateFormat}
                onChange={(v) => set({ datetime: { ...edit.datetime, enabled: true, dateFormat: (v as DateFormat | null) ?? null } })}
                clearable
                placeholder="Recognise automatically"
              />
              <Select
                label="Time zone of these times"
                description="Used when a time has no offset"
                data={timeZoneOptions()}
                value={edit.datetime.timeZone}
                onChange={(v) => set({ datetime: { ...edit.datetime, enabled: true, timeZone: v } })}
                searchable
                clearable
                placeholder={timeZone ? `Same as the import (${timeZone})` : 'Choose a time zone'}
              />
            </Group>
          )}
          {field.type === 'phone' && (
            <Select
              label="Country of numbers written without a country code"
              data={[{ value: '', label: 'Keep numbers as written (digits only)' }, ...PHONE_COUNTRIES.map((c) => ({ value: c, label: c }))]}
              value={edit.phone.country ?? ''}
              onChange={(v) => set({ phone: { enabled: true, country: v ? (v as PhoneCountry) : null } })}
              allowDeselect={false}
              w={320}
            />
          )}
          {TRANSLATABLE.has(field.type) && (
            <ValueMapEditor edit={edit} set={set} distinct={distinct} fieldType={field.type} />
          )}
          <TextInput
            label="When the cell is empty, use"
            placeholder="Leave empty"
            value={edit.defaultValue}
            onChange={(e) => set({ defaultValue: e.currentTarget.value })}
            w={320}
          />
        </Stack>
      )}

      <Stack gap={4}>
        <Text fw={600} size="sm">
          Preview
        </Text>
        <Table withTableBorder fz="sm" aria-label={`Preview of ${label}`}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={70}>Line</Table.Th>
              <Table.Th>In your file</Table.Th>
              <Table.Th>Sent to OnCall</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {preview.map((p) => (
              <Table.Tr key={p.line}>
                <Table.Td>{p.line}</Table.Td>
                <Table.Td>{p.raw || <Text span c="dimmed">(empty)</Text>}</Table.Td>
                <Table.Td>
                  {p.error ? (
                    <Text span c="red" size="sm">
                      {p.error}
                    </Text>
                  ) : (
                    p.value || <Text span c="dimmed">(empty)</Text>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Stack>

      <Group justify="space-between">
        <Button variant="subtle" color="red" onClick={() => onApply(undefined)}>
          Do not import this field
        </Button>
        <Group>
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={() => onApply(draft)}>Apply</Button>
        </Group>
      </Group>
    </Stack>
  );
}

function ValueMapEditor({ edit, set, distinct, fieldType }: {
  edit: FieldEdit; set: (p: Partial<FieldEdit>) => void; distinct: string[]; fieldType: string;
}) {
  const vm = edit.valueMap;
  const update = (patch: Partial<FieldEdit['valueMap']>) => set({ valueMap: { ...vm, ...patch, enabled: true } });
  const preset = fieldType === 'sex' ? 'sex' : fieldType === 'appointment-type' ? 'appointment-type' : null;
  const missing = distinct.filter((d) => !vm.pairs.some(([from]) => from === d));
  return (
    <Stack gap={6}>
      <Checkbox
        label="Translate values"
        checked={vm.enabled}
        onChange={(e) => set({ valueMap: { ...vm, enabled: e.currentTarget.checked } })}
      />
      {vm.enabled && (
        <Stack gap={6} pl="lg">
          {preset && (
            <Checkbox
              label={preset === 'sex' ? 'Use the usual codes (M → male, F → female, U → unknown…)' : 'Use the usual words (video → online, office → inperson…)'}
              checked={vm.preset === preset}
              onChange={(e) => update({ preset: e.currentTarget.checked ? preset : null })}
            />
          )}
          {vm.pairs.map(([from, to], i) => (
            <Group key={i} gap="xs" wrap="nowrap">
              <TextInput
                aria-label={`Value in the file ${i + 1}`}
                value={from}
                onChange={(e) => update({ pairs: vm.pairs.map((p, j) => (j === i ? [e.currentTarget.value, p[1]] : p)) })}
                w={180}
              />
              <Text>→</Text>
              <TextInput
                aria-label={`Value sent ${i + 1}`}
                value={to}
                onChange={(e) => update({ pairs: vm.pairs.map((p, j) => (j === i ? [p[0], e.currentTarget.value] : p)) })}
                w={180}
              />
              <ActionIcon
                variant="subtle"
                color="gray"
                aria-label={`Remove translation ${i + 1}`}
                onClick={() => update({ pairs: vm.pairs.filter((_p, j) => j !== i) })}
              >
                ×
              </ActionIcon>
            </Group>
          ))}
          <Group gap="xs">
            <Button size="xs" variant="light" onClick={() => update({ pairs: [...vm.pairs, ['', '']] })}>
              Add a translation
            </Button>
            {missing.length > 0 && (
              <Button size="xs" variant="subtle" onClick={() => update({ pairs: [...vm.pairs, ...missing.map((d): [string, string] => [d, ''])] })}>
                Add the values seen in the file ({missing.slice(0, 4).join(', ')}{missing.length > 4 ? '…' : ''})
              </Button>
            )}
          </Group>
          <Checkbox
            size="xs"
            label="Leave other values empty (instead of sending them as written)"
            checked={vm.emptyOthers}
            onChange={(e) => update({ emptyOthers: e.currentTarget.checked })}
          />
        </Stack>
      )}
    </Stack>
  );
}

interface PreviewValue {
  line: number;
  raw: string;
  value: string;
  error: string | null;
}

function previewValues(
  recordType: RecordType, fieldKey: string, mapping: FieldMapping | undefined, header: string[], rows: string[][],
  timeZone: string | undefined,
): PreviewValue[] {
  const cols = mapping?.columns ?? (mapping?.column !== undefined ? [mapping.column] : []);
  const idx = cols.map((c) => header.indexOf(c));
  const compiled = mapping
    ? compileMapping(
        { version: 1, recordType, fields: { [fieldKey]: mapping }, options: { deriveFullName: false, ...(timeZone ? { timeZone } : {}) } },
        header,
      )
    : null;
  return rows.slice(0, 5).map((cells, i) => {
    const raw = idx.map((j) => (j >= 0 ? (cells[j] ?? '') : '')).join(' | ');
    if (!compiled) return { line: i + 2, raw, value: '', error: null };
    const r = compiled.map(cells);
    const err = r.errors[0];
    return { line: i + 2, raw, value: r.record[fieldKey] ?? '', error: err ? err.message.replace(fieldKey, 'The value') : null };
  });
}
