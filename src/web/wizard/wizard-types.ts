import type { RecordType } from '../../domain/identifiers.js';
import type { MappingTemplate } from '../../flows/bulk-import/mapping/template.js';

export const WIZARD_STEPS = ['what', 'file', 'match', 'check'] as const satisfies readonly string[];
export type WizardStep = (typeof WIZARD_STEPS)[number];

/** Choices made on the matching screen that are not part of the column mapping itself. */
export interface ImportDefaults {
  division: string | null;
  provider: string | null;
}

export interface LoadedTemplate {
  id: string | number;
  name: string;
}

export interface WizardChoices {
  recordType: RecordType;
  file: File | null;
  template: MappingTemplate | null;
  /** The saved template the mapping came from (to offer "save changes" to it). */
  loaded: LoadedTemplate | null;
  defaults: ImportDefaults;
  updateExisting: boolean;
}

/** A CSV file read in the browser, or appointments pulled from the EMR's FHIR API by the server. */
export type ImportSource = 'file' | 'emr';

export const SOURCE_LABELS = {
  file: { title: 'A CSV file', detail: 'An export from the EMR, read and checked in your browser first.' },
  emr: { title: 'Pull from the EMR', detail: 'Appointments read straight from the EMR (FHIR), with a matching you can change.' },
} as const satisfies Record<ImportSource, { title: string; detail: string }>;

export const RECORD_TYPE_LABELS = {
  contacts: { title: 'Patients', detail: 'Each line becomes a patient on the OnCall roster (a roster contact).' },
  appointments: { title: 'Appointments', detail: 'Each line becomes an OnCall appointment with its participants.' },
} as const satisfies Record<RecordType, { title: string; detail: string }>;

/**
 * Division and provider come from the form unless a column is matched to them; these form
 * values are sent as `defaults` and the row checks for them are skipped in the browser.
 */
export function formFields(template: MappingTemplate | null): string[] {
  const out: string[] = [];
  for (const f of ['division', 'provider']) {
    const m = template?.fields[f];
    if (!m || (m.column === undefined && m.columns === undefined)) out.push(f);
  }
  return out;
}

/** The template as checked in the browser: form choices added as constants. */
export function templateForCheck(template: MappingTemplate, defaults: ImportDefaults): MappingTemplate {
  const fields = { ...template.fields };
  for (const key of ['division', 'provider'] as const) {
    const value = defaults[key];
    if (!value) continue;
    const m = fields[key];
    // No column: the chosen value for every line. A column: the chosen value fills its gaps.
    fields[key] = m ? { ...m, transforms: [...(m.transforms ?? []), { type: 'default', value }] } : { constant: value };
  }
  return { ...template, fields };
}

/**
 * A matching as saved with the wizard's choices: the clinic and provider chosen in the form
 * become constants of their fields (when no column is matched to them, the same form the CLI's
 * `--mapping` reads), and the "already in OnCall" choice goes in the options.
 */
export function templateToSave(template: MappingTemplate, defaults: ImportDefaults, updateExisting: boolean): MappingTemplate {
  const fields = { ...template.fields };
  for (const key of ['division', 'provider'] as const) {
    const value = defaults[key];
    const m = fields[key];
    if (value && (!m || m.constant !== undefined)) fields[key] = { constant: value };
  }
  return { ...template, fields, options: { ...template.options, updateExisting } };
}

/** What a saved matching brings back: the column matching, the clinic, the provider and the "already in OnCall" choice. */
export interface SavedChoices {
  template: MappingTemplate;
  defaults: ImportDefaults;
  /** Null when the matching was saved without the choice (older matchings): the page keeps its own. */
  updateExisting: boolean | null;
}

export function choicesFromSaved(saved: MappingTemplate): SavedChoices {
  const fields = { ...saved.fields };
  const defaults: ImportDefaults = { division: null, provider: null };
  for (const key of ['division', 'provider'] as const) {
    const m = fields[key];
    if (m?.constant !== undefined) {
      defaults[key] = m.constant;
      delete fields[key];
    }
  }
  const { updateExisting, ...options } = saved.options ?? {};
  return {
    template: { ...saved, fields, ...(Object.keys(options).length ? { options } : { options: undefined }) },
    defaults,
    updateExisting: updateExisting ?? null,
  };
}
