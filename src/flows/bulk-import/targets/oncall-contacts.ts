import type { OncallClient } from '../../../partners/oncall/client.js';
import { findContactByEmrId } from '../../../partners/oncall/lookup.js';
import { contactPatchFor, patientToContactCreate } from '../../../partners/oncall/mapping.js';
import type { ContactCreate } from '../../../partners/oncall/schemas.js';
import { IDENTIFIER_SYSTEMS } from '../../../domain/identifiers.js';
import type { ImportRecord } from '../mapping/import-record.js';
import type { RunOptions } from '../run-options.js';
import { recordToPatient } from '../validation/to-fhir.js';
import type { ImportTarget, ScanProgress } from './import-target.js';
import { divisionPath, oncallRelationUrl } from './oncall-refs.js';

export interface OncallContactsSettings {
  baseUrl: string;
  emrIdField: string;
  /** More fields whose label also names an EMR-id field (the configured default field). */
  labelFields?: readonly string[];
  defaults: RunOptions['defaults'];
}

/**
 * Roster contacts in OnCall Health (oncall-patient-sync-guide: "outside the context of an
 * appointment"). The EMR id goes into the roster custom field `emrIdField`, as the guides
 * recommend, which is also how a lost answer or a re-import finds the contact again.
 */
export class OncallContactsTarget implements ImportTarget<ContactCreate> {
  readonly target = 'oncall';
  readonly kind = 'contact';

  constructor(
    private readonly client: OncallClient,
    private readonly s: OncallContactsSettings,
  ) {}

  prepare(record: ImportRecord): ContactCreate {
    const division = record.division || this.s.defaults.division;
    const provider = record.provider || this.s.defaults.provider;
    if (!division) throw new Error('no division: choose one for the whole file or map a column to it');
    if (!provider) throw new Error('no provider: choose one for the whole file or map a column to it');
    const patient = recordToPatient(record);
    const emrId = record.emrId || undefined;
    // Records without an EMR id get a placeholder so the mapping can run; it is removed below
    // and never written to OnCall.
    if (!emrId) patient.identifier = [{ system: IDENTIFIER_SYSTEMS.emr, value: '-' }];
    const customFields: Record<string, string> = {};
    for (const [k, v] of Object.entries(record)) if (k.startsWith('customFields.') && v) customFields[k.slice(13)] = v;
    const payload = patientToContactCreate(patient, {
      division: oncallRelationUrl(this.s.baseUrl, 'divisions', division),
      provider: oncallRelationUrl(this.s.baseUrl, 'providers', provider),
      emrIdFieldId: this.s.emrIdField,
      customFields,
      ...(record.notes ? { notes: record.notes } : {}),
    });
    if (!emrId && payload.custom_field_values) {
      delete payload.custom_field_values[this.s.emrIdField];
      if (!Object.keys(payload.custom_field_values).length) delete payload.custom_field_values;
    }
    return payload;
  }

  /**
   * Contacts carrying an EMR id: in this run's field, in any division; and, since custom fields
   * are per division (another clinic keeps its EMR ids in a field of its own), in any field
   * whose label is the label of this run's field or of the configured one ("EMR id"), so a
   * patient of another clinic is recognised as such. Labels come from `custom_field_names`
   * (there is no endpoint listing fields), learned during the same pass.
   */
  async *scanExisting(onPage?: ScanProgress) {
    const own = this.s.emrIdField;
    const labelFields = new Set([own, ...(this.s.labelFields ?? [])]);
    const labels = new Set<string>();
    const candidates: { label: string; value: string; url: string; scope: string }[] = [];
    const seen = new Set<string>();
    for await (const contact of this.client.contacts({}, onPage)) {
      const values = contact.custom_field_values ?? {};
      const names = contact.custom_field_names ?? {};
      const scope = divisionPath(contact.division);
      for (const [id, raw] of Object.entries(values)) {
        if (typeof raw !== 'string' || !raw.trim()) continue;
        const label = names[id]?.trim().toLowerCase();
        if (labelFields.has(id) && label) labels.add(label);
        if (id === own) {
          seen.add(`${raw.trim()}@${scope}`);
          yield { key: `emr:${raw.trim()}`, url: contact.url, scope };
        }
        else if (label) candidates.push({ label, value: raw.trim(), url: contact.url, scope });
      }
    }
    // A contact found by its own field in a division wins over one found by label there.
    for (const c of candidates) {
      if (labels.has(c.label) && !seen.has(`${c.value}@${c.scope}`)) yield { key: `emr:${c.value}`, url: c.url, scope: c.scope };
    }
  }

  scopeOf(payload: ContactCreate): string {
    return divisionPath(payload.division);
  }

  async create(payload: ContactCreate): Promise<string> {
    return (await this.client.createContact(payload)).url;
  }

  async find(payload: ContactCreate, emrId: string | undefined): Promise<string | null> {
    const hints = { email: payload.email, phone: payload.phone, name: payload.name };
    // Only a contact of the payload's division can be the one we created: the same EMR id in
    // another clinic is another roster entry.
    if (emrId) return (await findContactByEmrId(this.client, this.s.emrIdField, emrId, hints, { division: payload.division }))?.url ?? null;
    // No EMR id: the contact we may have created is one with exactly this content.
    for (const key of ['email', 'phone', 'name'] as const) {
      const value = hints[key];
      if (!value) continue;
      for await (const c of this.client.contacts({ [key]: value })) if (contactPatchFor(c, payload) === null) return c.url;
      return null;
    }
    return null;
  }

  async diff(url: string, payload: ContactCreate) {
    let existing;
    try {
      existing = await this.client.getContact(url);
    } catch (e) {
      if ((e as { status?: number }).status === 404) return 'gone' as const;
      throw e;
    }
    const patch = contactPatchFor(existing, payload);
    if (!patch) return null;
    const from = divisionPath(existing.division);
    return {
      changed: Object.keys(patch).map((k) => (k === 'custom_field_values' ? 'custom fields' : k)),
      patch,
      ...(from !== this.scopeOf(payload) ? { fromScope: from } : {}),
    };
  }

  async update(url: string, patch: unknown): Promise<void> {
    await this.client.patchContact(url, patch as Parameters<OncallClient['patchContact']>[1]);
  }
}
