import {
  Alert, Badge, Button, Card, Group, Radio, Select, SimpleGrid, Stack, Table, Text, TextInput, Title, Tooltip,
} from '@mantine/core';
import { useMemo, useState } from 'react';
import type { RecordType } from '../../domain/identifiers.js';
import { compileMapping } from '../../flows/bulk-import/mapping/apply-mapping.js';
import { FIELD_CATALOGUE, fieldDefinition, type FieldDefinition } from '../../flows/bulk-import/mapping/fields.js';
import type { FieldMapping, MappingTemplate } from '../../flows/bulk-import/mapping/template.js';
import { useDivisions, useOnCallSettings, useProviders } from '../api/queries.js';
import { describeChanges } from './field-edit-model.js';
import { FieldEditor } from './field-editor.js';
import { fieldHint } from './field-hints.js';
import { TemplateBar } from './template-bar.js';
import { timeZoneOptions } from './time-zones.js';
import { templateForCheck, type ImportDefaults, type LoadedTemplate } from './wizard-types.js';

interface Props {
  recordType: RecordType;
  header: string[];
  sampleRows: string[][];
  template: MappingTemplate;
  onTemplate: (t: MappingTemplate) => void;
  loaded: LoadedTemplate | null;
  onLoaded: (t: LoadedTemplate | null) => void;
  defaults: ImportDefaults;
  onDefaults: (d: ImportDefaults) => void;
  updateExisting: boolean;
  onUpdateExisting: (v: boolean) => void;
  /**
   * Fields the source fills by itself and the table leaves out (an EMR pull: the appointment's
   * id, its Patient as participant), with the sentence that says where they come from.
   */
  automatic?: { fields: readonly string[]; note: string };
}

/** Fields shown in the table (division/provider are chosen in the "for every line" card). */
function tableFields(recordType: RecordType, template: MappingTemplate, automatic: readonly string[] = []): { key: string; def: FieldDefinition }[] {
  const out: { key: string; def: FieldDefinition }[] = [];
  for (const def of FIELD_CATALOGUE[recordType] as readonly FieldDefinition[]) {
    if (def.dynamic) continue;
    if (automatic.includes(def.key) && !template.fields[def.key]) continue;
    if ((def.key === 'division' || def.key === 'provider') && !template.fields[def.key]) continue;
    out.push({ key: def.key, def });
  }
  for (const key of Object.keys(template.fields)) {
    const def = fieldDefinition(recordType, key);
    if (def?.dynamic) out.push({ key, def });
  }
  return out;
}

/** What still stops the import before any line is looked at (plain words, one per problem). */
export function matchBlockers(recordType: RecordType, template: MappingTemplate, defaults: ImportDefaults, automatic: readonly string[] = []): string[] {
  const f = template.fields;
  const out: string[] = [];
  if (!defaults.division && !f.division) out.push('Choose the clinic (OnCall division) the records go to.');
  // OnCall roster contacts belong to a provider: the engine cannot create one without it.
  if (recordType === 'contacts' && !defaults.provider && !f.provider) out.push('Choose the provider the patients are added to.');
  if (recordType === 'contacts') {
    if (!f.firstName && !f.lastName && !f.fullName) out.push('Match at least one name column (first name, last name or full name).');
  } else {
    for (const key of ['title', 'duration', 'type'] as const) {
      if (!f[key]) out.push(`Match a column to “${fieldDefinition('appointments', key)?.label}”, or give one value for every line.`);
    }
    if (!automatic.includes('participants.name') && !f['participants.name'] && !f['participants.email'] && !f['participants.firstName']) {
      out.push('Match the participant name or e-mail column.');
    }
  }
  return out;
}

export function StepMatch(props: Props) {
  const { recordType, header, sampleRows, template, onTemplate, defaults, onDefaults } = props;
  const divisions = useDivisions();
  const providers = useProviders();
  const settings = useOnCallSettings();
  const [editing, setEditing] = useState<string | null>(null);

  const rows = tableFields(recordType, template, props.automatic?.fields);
  const used = new Set(rows.flatMap(({ key }) => {
    const m = template.fields[key];
    return m?.columns ?? (m?.column ? [m.column] : []);
  }));
  const unused = header.filter((h) => h !== '' && !used.has(h));

  const examples = useMemo(() => exampleValues(templateForCheck(template, defaults), header, sampleRows), [template, defaults, header, sampleRows]);

  const setField = (key: string, mapping: FieldMapping | undefined) => {
    const fields = { ...template.fields };
    if (mapping) fields[key] = mapping;
    else delete fields[key];
    onTemplate({ ...template, fields });
  };

  const setColumn = (key: string, column: string | null) => {
    const current = template.fields[key];
    if (!column) return setField(key, undefined);
    // Keep the clean-ups when only the column changes.
    setField(key, { column, ...(current?.transforms ? { transforms: current.transforms } : {}) });
  };

  const providerOptions = (providers.data?.items ?? [])
    .filter((p) => !defaults.division || p.memberships.length === 0 || p.memberships.includes(defaults.division))
    .map((p) => ({ value: p.url, label: p.email ? `${p.full_name} (${p.email})` : p.full_name }));
  const divisionOptions = (divisions.data?.items ?? []).map((d) => ({ value: d.url, label: d.name }));
  const columnOptions = header.map((h, i) => ({ value: h, label: h || `(column ${i + 1})` })).filter((o) => o.value !== '');
  const editingDef = editing ? fieldDefinition(recordType, editing) : undefined;
  const emrIdFieldLabel = settings.data?.customFields.find((c) => c.id === settings.data?.emrIdField)?.label;
  const timeZone = template.options?.timeZone;

  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-end">
        <Title order={2} size="h3">
          Match your columns to OnCall fields
        </Title>
        <TemplateBar
          recordType={recordType}
          template={template}
          loaded={props.loaded}
          defaults={defaults}
          updateExisting={props.updateExisting}
          onLoad={(saved, loaded) => {
            onTemplate(saved.template);
            // What the matching was saved with; a choice it does not carry stays as it is.
            onDefaults({ division: saved.defaults.division ?? defaults.division, provider: saved.defaults.provider ?? (saved.defaults.division ? null : defaults.provider) });
            if (saved.updateExisting !== null) props.onUpdateExisting(saved.updateExisting);
            props.onLoaded(loaded);
          }}
          onSaved={props.onLoaded}
        />
      </Group>

      <Card withBorder padding="md">
        <Text fw={600} mb="sm">
          For every line
        </Text>
        {(divisions.isError || providers.isError) && (
          <Alert color="red" role="alert" mb="sm" title="OnCall Health could not be reached">
            The lists of clinics and providers could not be loaded ({(divisions.error ?? providers.error)?.message}). Try again
            in a moment; if it keeps failing, ask your administrator to check the OnCall connection.
            <Button
              size="xs"
              variant="light"
              ml="sm"
              onClick={() => {
                void divisions.refetch();
                void providers.refetch();
              }}
            >
              Try again
            </Button>
          </Alert>
        )}
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <Select
            label="Clinic (OnCall division)"
            placeholder={divisions.isPending ? 'Loading…' : 'Choose a clinic'}
            data={divisionOptions}
            value={defaults.division}
            onChange={(v) => onDefaults({ ...defaults, division: v, provider: null })}
            required={!template.fields.division}
            searchable
            description={template.fields.division ? 'Used when a line has no clinic of its own' : undefined}
          />
          <Select
            label="Provider"
            placeholder={providers.isPending ? 'Loading…' : recordType === 'contacts' ? 'Choose a provider' : 'No provider'}
            data={providerOptions}
            value={defaults.provider}
            onChange={(v) => onDefaults({ ...defaults, provider: v })}
            clearable={recordType === 'appointments'}
            required={recordType === 'contacts' && !template.fields.provider}
            searchable
            description={
              recordType === 'appointments'
                ? 'When empty: the provider owning the OnCall connection'
                : 'The patients are added to this provider’s roster'
            }
          />
          {recordType === 'appointments' && (
            <Select
              label="Time zone of the appointment times"
              data={timeZoneOptions()}
              value={timeZone ?? null}
              onChange={(v) => onTemplate({ ...template, options: { ...template.options, ...(v ? { timeZone: v } : { timeZone: undefined }) } })}
              searchable
              description="Used for times written without a time zone"
            />
          )}
          <Radio.Group
            label={recordType === 'contacts' ? 'If the patient is already in OnCall' : 'If the appointment is already in OnCall'}
            value={props.updateExisting ? 'update' : 'skip'}
            onChange={(v) => props.onUpdateExisting(v === 'update')}
            description={`${recordType === 'contacts' ? 'Patients' : 'Appointments'} already in OnCall are left as they are unless you choose "Update existing". The check step shows how many would change.`}
            data-testid="update-existing"
          >
            <Stack gap={6} mt={6}>
              <Radio value="skip" label="Leave it as it is (default)" />
              <Radio value="update" label="Update existing: write the values from the file where they differ" />
            </Stack>
          </Radio.Group>
        </SimpleGrid>
      </Card>

      <Table.ScrollContainer minWidth={760}>
        <Table verticalSpacing="sm" aria-label="Column matching" highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th w="24%">OnCall field</Table.Th>
              <Table.Th w="26%">Column in your file</Table.Th>
              <Table.Th>Changes</Table.Th>
              <Table.Th w="20%">Example</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map(({ key, def }) => {
              const m = template.fields[key];
              const label = rowLabel(def, key, settings.data?.customFields);
              const changes = describeChanges(m);
              const ex = examples.get(key);
              return (
                <Table.Tr key={key} data-testid={`match-row-${key}`}>
                  <Table.Td>
                    <Group gap={6}>
                      <Text fw={600} size="sm">
                        {label}
                      </Text>
                      {def.required === 'yes' && (
                        <Badge size="xs" color="red" variant="light">
                          Required
                        </Badge>
                      )}
                      {def.required === 'recommended' && (
                        <Badge size="xs" color="blue" variant="light">
                          Recommended
                        </Badge>
                      )}
                    </Group>
                    <Text size="xs" c="dimmed">
                      {fieldHint(recordType, key, { emrIdFieldLabel, emrIdMetadataKey: template.options?.emrIdMetadataKey ?? settings.data?.emrIdMetadataKey })}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {m?.columns && m.columns.length > 1 ? (
                      <Text size="sm">{m.columns.join(' + ')}</Text>
                    ) : m?.constant !== undefined ? (
                      <Text size="sm">
                        Always “{m.constant}”
                      </Text>
                    ) : (
                      <Select
                        aria-label={`Column for ${label}`}
                        placeholder="Not in the file"
                        data={columnOptions}
                        value={m?.column ?? null}
                        onChange={(v) => setColumn(key, v)}
                        clearable
                        searchable
                        size="sm"
                      />
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {changes.map((c) => (
                        <Badge key={c} variant="light" color="gray" size="sm" tt="none">
                          {c}
                        </Badge>
                      ))}
                      <Button size="compact-xs" variant="subtle" onClick={() => setEditing(key)} aria-label={`Change how ${label} is read`}>
                        {changes.length > 0 ? 'Change' : 'Options'}
                      </Button>
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    {ex?.error ? (
                      <Tooltip label={ex.error} multiline w={260}>
                        <Text size="sm" c="red">
                          Cannot be read
                        </Text>
                      </Tooltip>
                    ) : (
                      <Text size="sm" lineClamp={1} data-testid={`example-${key}`}>
                        {ex?.value ?? ''}
                      </Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>

      <ExtraFieldAdder
        recordType={recordType}
        template={template}
        customFields={(settings.data?.customFields ?? []).filter((c) => c.id !== settings.data?.emrIdField)}
        onAdd={(key) => {
          setField(key, template.fields[key] ?? { column: unused[0] ?? header[0] ?? '' });
          setEditing(key);
        }}
      />

      {recordType === 'appointments' && template.fields.emrId && (
        <TextInput
          label="Name under which the EMR appointment id is stored in OnCall"
          description="OnCall keeps it with the appointment, so a later import finds it again"
          value={template.options?.emrIdMetadataKey ?? settings.data?.emrIdMetadataKey ?? 'emr_id'}
          onChange={(e) => onTemplate({ ...template, options: { ...template.options, emrIdMetadataKey: e.currentTarget.value || undefined } })}
          w={360}
        />
      )}

      {props.automatic && (
        <Text size="sm" data-testid="automatic-fields">
          {props.automatic.note}
        </Text>
      )}
      {unused.length > 0 && (
        <Text size="sm" c="dimmed" data-testid="unused-columns">
          Columns not imported: {unused.join(', ')}
        </Text>
      )}

      {editing && editingDef && (
        <FieldEditor
          opened
          recordType={recordType}
          field={editingDef}
          fieldKey={editing}
          label={rowLabel(editingDef, editing, settings.data?.customFields)}
          mapping={template.fields[editing]}
          header={header}
          sampleRows={sampleRows}
          timeZone={timeZone}
          onClose={() => setEditing(null)}
          onApply={(m) => {
            setField(editing, m);
            setEditing(null);
          }}
        />
      )}
    </Stack>
  );
}

function rowLabel(def: FieldDefinition, key: string, customFields: { id: string; label: string }[] | undefined): string {
  if (!def.dynamic) return def.label;
  const id = key.slice(def.key.length);
  if (def.key === 'customFields.') return customFields?.find((c) => c.id === id)?.label ?? `Roster field ${id}`;
  return `Extra value “${id}”`;
}

function ExtraFieldAdder({ recordType, template, customFields, onAdd }: {
  recordType: RecordType; template: MappingTemplate; customFields: { id: string; label: string }[]; onAdd: (key: string) => void;
}) {
  const [name, setName] = useState('');
  if (recordType === 'contacts') {
    const options = customFields.filter((c) => !template.fields[`customFields.${c.id}`]).map((c) => ({ value: c.id, label: c.label }));
    if (options.length === 0) return null;
    return (
      <Select
        label="Fill another OnCall roster field"
        placeholder="Choose a roster field"
        data={options}
        value={null}
        onChange={(v) => v && onAdd(`customFields.${v}`)}
        w={360}
      />
    );
  }
  return (
    <Group align="flex-end">
      <TextInput
        label="Keep another column with the appointment (extra value)"
        placeholder="Name, e.g. room"
        value={name}
        onChange={(e) => setName(e.currentTarget.value.replace(/\s+/g, '_'))}
        w={360}
      />
      <Button
        variant="light"
        disabled={name.trim() === '' || template.fields[`metadata.${name}`] !== undefined}
        onClick={() => {
          onAdd(`metadata.${name.trim()}`);
          setName('');
        }}
      >
        Add
      </Button>
    </Group>
  );
}

/** First non-empty value of each field over the sample rows (or the first problem). */
function exampleValues(template: MappingTemplate, header: string[], rows: string[][]): Map<string, { value: string; error?: string }> {
  const out = new Map<string, { value: string; error?: string }>();
  let compiled;
  try {
    compiled = compileMapping(template, header);
  } catch {
    return out;
  }
  for (const cells of rows.slice(0, 20)) {
    const r = compiled.map(cells);
    for (const e of r.errors) if (!out.has(e.field)) out.set(e.field, { value: '', error: e.message });
    for (const [k, v] of Object.entries(r.record)) {
      if (v !== '' && (!out.has(k) || out.get(k)!.value === '') && !out.get(k)?.error) out.set(k, { value: v });
    }
  }
  return out;
}
