import { Button, Group, Select, Stack, TextInput } from '@mantine/core';
import { useEffect, useState } from 'react';
import { CHANNEL_TEXT, MESSAGE_STATUS_TEXT, TYPE_FILTER_OPTIONS } from './labels.js';
import type { MessageFilters, MessageStatus } from './sync-api.js';

/** What the filters hold as typed: local date-times ("2026-12-02T09:30") rather than ISO. */
export interface FilterInputs {
  status: MessageStatus | '';
  type: string;
  patient: string;
  channel: string;
  since: string;
  before: string;
}

export const NO_FILTER: FilterInputs = { status: '', type: '', patient: '', channel: '', since: '', before: '' };

/** The API's filters from the inputs: local times become UTC ISO, a half-typed time is left out. */
export function toMessageFilters(f: FilterInputs): MessageFilters {
  const iso = (local: string) => {
    const t = local ? new Date(local).getTime() : Number.NaN;
    return Number.isNaN(t) ? undefined : new Date(t).toISOString();
  };
  const out: MessageFilters = {};
  if (f.status) out.status = f.status;
  if (f.type) out.type = f.type;
  if (f.patient.trim()) out.patient = f.patient.trim();
  if (f.channel) out.channel = f.channel;
  const since = iso(f.since);
  if (since) out.since = since;
  const before = iso(f.before);
  if (before) out.before = before;
  return out;
}

export function isFiltered(f: FilterInputs): boolean {
  return activeFilterCount(f) > 0;
}

export function activeFilterCount(f: FilterInputs): number {
  return Object.values(f).filter((v) => v.trim() !== '').length;
}

/** Below this width the filters fold behind a toggle: six fields would fill a phone's first screen. */
const FOLD_BELOW_PX = 600;

/** Whether the screen is narrower than `px`, read on the first render so nothing flashes open. */
function useNarrowScreen(px: number): boolean {
  const query = `(max-width: ${px - 0.02}px)`;
  const read = () => typeof window !== 'undefined' && 'matchMedia' in window && window.matchMedia(query).matches;
  const [narrow, setNarrow] = useState(read);
  useEffect(() => {
    const media = window.matchMedia(query);
    setNarrow(media.matches);
    const onChange = (e: MediaQueryListEvent) => setNarrow(e.matches);
    media.addEventListener('change', onChange);
    return () => media.removeEventListener('change', onChange);
  }, [query]);
  return narrow;
}

/** The filters, folded on a phone behind a "Filters" button that says how many are set. */
export function MessageFilters(props: { value: FilterInputs; onChange: (f: FilterInputs) => void }) {
  const narrow = useNarrowScreen(FOLD_BELOW_PX);
  const [open, setOpen] = useState(false);
  if (!narrow) return <MessageFilterBar {...props} />;
  const n = activeFilterCount(props.value);
  return (
    <Stack gap="xs">
      <Button variant="default" onClick={() => setOpen((o) => !o)} aria-expanded={open} aria-controls="message-filters" style={{ alignSelf: 'start' }}>
        {n > 0 ? `Filters (${n} set)` : 'Filters'}
      </Button>
      <div id="message-filters" hidden={!open}>
        <MessageFilterBar {...props} />
      </div>
    </Stack>
  );
}

/**
 * Mantine hides a Select's clear button from assistive technology and the Tab key
 * (aria-hidden, tabIndex -1): here it is a real button, named for what it does.
 */
const clearButton = (label: string) => ({ 'aria-label': label, 'aria-hidden': false, tabIndex: 0 });

/** The message list's filters: status, type, patient id, channel and a time range. */
export function MessageFilterBar({ value, onChange }: { value: FilterInputs; onChange: (f: FilterInputs) => void }) {
  const set = <K extends keyof FilterInputs>(key: K, v: FilterInputs[K]) => onChange({ ...value, [key]: v });
  return (
    <Group align="end" gap="md">
      <Select
        label="Status"
        placeholder="All"
        clearable
        value={value.status || null}
        onChange={(v) => set('status', (v ?? '') as MessageStatus | '')}
        data={Object.entries(MESSAGE_STATUS_TEXT).map(([v, s]) => ({ value: v, label: s.label }))}
        clearButtonProps={clearButton('Show every status')}
        w={220}
      />
      <Select
        label="Message type"
        placeholder="All"
        clearable
        searchable
        value={value.type || null}
        onChange={(v) => set('type', v ?? '')}
        data={TYPE_FILTER_OPTIONS}
        clearButtonProps={clearButton('Show every type')}
        w={280}
      />
      <TextInput label="Patient id (EMR)" value={value.patient} onChange={(e) => set('patient', e.currentTarget.value)} w={200} />
      <Select
        label="Source"
        placeholder="All"
        clearable
        value={value.channel || null}
        onChange={(v) => set('channel', v ?? '')}
        data={Object.entries(CHANNEL_TEXT).map(([v, label]) => ({ value: v, label }))}
        clearButtonProps={clearButton('Show every source')}
        w={200}
      />
      <TextInput type="datetime-local" label="Received from" value={value.since} onChange={(e) => set('since', e.currentTarget.value)} w={220} />
      <TextInput type="datetime-local" label="Received before" value={value.before} onChange={(e) => set('before', e.currentTarget.value)} w={220} />
      {isFiltered(value) && (
        <Button variant="subtle" onClick={() => onChange(NO_FILTER)}>
          Clear the filters
        </Button>
      )}
    </Group>
  );
}
