import { Alert, Button, Group, Modal, Select, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import type { RecordType } from '../../domain/identifiers.js';
import { parseMappingTemplate, type MappingTemplate } from '../../flows/bulk-import/mapping/template.js';
import { ApiError } from '../api/http.js';
import { useSaveTemplate, useTemplates } from '../api/queries.js';
import { choicesFromSaved, templateToSave, type ImportDefaults, type LoadedTemplate, type SavedChoices } from './wizard-types.js';

interface Props {
  recordType: RecordType;
  template: MappingTemplate;
  loaded: LoadedTemplate | null;
  /** Saved with the matching, and brought back with it. */
  defaults: ImportDefaults;
  updateExisting: boolean;
  onLoad: (choices: SavedChoices, loaded: LoadedTemplate) => void;
  onSaved: (loaded: LoadedTemplate) => void;
}

/**
 * Load a saved matching, or save the current one under a name (the next export is one click).
 * A matching keeps everything chosen on this screen: the columns, the clinic, the provider and
 * what to do with records already in OnCall; the picker shows which one is in use.
 */
export function TemplateBar({ recordType, template, loaded, defaults, updateExisting, onLoad, onSaved }: Props) {
  const templates = useTemplates(recordType);
  const save = useSaveTemplate(recordType);
  const [saving, setSaving] = useState(false);
  const [name, setName] = useState('');
  const [loadError, setLoadError] = useState<string | null>(null);
  /** Set after a 409: the saved matching that already has the name (id null when not listed). */
  const [conflict, setConflict] = useState<{ id: string | number | null } | null>(null);
  const [savedNote, setSavedNote] = useState<string | null>(null);

  const items = templates.data?.items ?? [];

  const load = (id: string | null) => {
    const t = items.find((x) => String(x.id) === id);
    if (!t) return;
    const parsed = parseMappingTemplate(t.mapping);
    if (!parsed.ok) {
      setLoadError(`The saved matching “${t.name}” cannot be used: ${parsed.issues[0]?.message ?? 'it is damaged'}.`);
      return;
    }
    setLoadError(null);
    setSavedNote(`Matching “${t.name}” loaded, with its clinic, provider and choices.`);
    onLoad(choicesFromSaved({ ...parsed.template, recordType }), { id: t.id, name: t.name });
  };

  const submit = (replaceId?: string | number) => {
    const trimmed = name.trim();
    if (trimmed === '') return;
    setConflict(null);
    save.mutate(
      { ...(replaceId !== undefined ? { id: replaceId } : {}), name: trimmed, mapping: { ...templateToSave(template, defaults, updateExisting), name: trimmed } },
      {
        onSuccess: (saved) => {
          setSaving(false);
          setSavedNote(`Saved as “${saved.name}”.`);
          onSaved({ id: saved.id, name: saved.name });
        },
        onError: (e) => {
          if (e instanceof ApiError && e.status === 409) {
            setConflict({ id: items.find((x) => x.name === trimmed)?.id ?? null });
          }
        },
      },
    );
  };

  return (
    <Stack gap={4} align="flex-end">
      <Group gap="xs" align="flex-end">
        <Select
          label="Saved matchings"
          placeholder={items.length === 0 ? 'None saved yet' : 'Use a saved matching'}
          data={items.map((t) => ({ value: String(t.id), label: t.name }))}
          // Shows the matching in use; choosing it again (or another) loads it.
          value={loaded && items.some((x) => String(x.id) === String(loaded.id)) ? String(loaded.id) : null}
          allowDeselect={false}
          onChange={load}
          onOptionSubmit={(v) => {
            if (loaded && v === String(loaded.id)) load(v);
          }}
          data-testid="saved-matching-picker"
          disabled={items.length === 0}
          w={260}
        />
        <Button
          variant="default"
          onClick={() => {
            setName(loaded?.name ?? '');
            setConflict(null);
            save.reset();
            setSaving(true);
          }}
        >
          Save this matching…
        </Button>
      </Group>
      {savedNote && (
        <Text size="sm" c="teal.8" role="status">
          {savedNote}
        </Text>
      )}
      {loadError && (
        <Text size="sm" c="red" role="alert">
          {loadError}
        </Text>
      )}
      <Modal opened={saving} onClose={() => setSaving(false)} title="Save this matching">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <Stack>
            <Text size="sm" c="dimmed">
              Next time, choose it under “Saved matchings” and the columns are matched for you.
            </Text>
            <TextInput
              label="Name"
              placeholder="e.g. Synthea patients export"
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              required
              data-autofocus
            />
            {conflict && (
              <Alert color="orange" title="This name is taken">
                A saved matching is already called “{name.trim()}”.{' '}
                {conflict.id !== null ? 'Replace it, or choose another name.' : 'Choose another name.'}
                {conflict.id !== null && (
                  <Group mt="xs">
                    <Button size="xs" color="orange" onClick={() => submit(conflict.id ?? undefined)}>
                      Replace it
                    </Button>
                  </Group>
                )}
              </Alert>
            )}
            {save.error && !(save.error instanceof ApiError && save.error.status === 409) && (
              <Alert color="red" role="alert" title="Not saved">
                {save.error.message}
              </Alert>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setSaving(false)}>
                Cancel
              </Button>
              <Button type="submit" loading={save.isPending}>
                Save
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </Stack>
  );
}
