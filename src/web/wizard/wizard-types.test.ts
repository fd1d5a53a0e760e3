import { describe, expect, it } from 'vitest';
import type { MappingTemplate } from '../../flows/bulk-import/mapping/template.js';
import { mappingTemplateSchema } from '../../flows/bulk-import/mapping/template.js';
import { choicesFromSaved, templateToSave } from './wizard-types.js';

const base: MappingTemplate = { version: 1, recordType: 'contacts', fields: { emrId: { column: 'id' }, firstName: { column: 'first' } }, options: { timeZone: 'America/Toronto' } };

describe('a saved matching keeps the choices made with it', () => {
  it('saves the clinic, the provider and the "already in OnCall" choice, and brings them back', () => {
    const saved = templateToSave(base, { division: 'https://x/divisions/2/', provider: 'https://x/providers/3/' }, true);
    expect(mappingTemplateSchema.safeParse(saved).success).toBe(true);
    expect(saved.fields.division).toEqual({ constant: 'https://x/divisions/2/' });
    const back = choicesFromSaved(saved);
    expect(back).toEqual({ template: base, defaults: { division: 'https://x/divisions/2/', provider: 'https://x/providers/3/' }, updateExisting: true });
  });

  it('keeps a matched clinic column, and says nothing about the choice for older matchings', () => {
    const withColumn: MappingTemplate = { ...base, fields: { ...base.fields, division: { column: 'clinic' } } };
    const saved = templateToSave(withColumn, { division: 'https://x/divisions/2/', provider: null }, false);
    expect(saved.fields.division).toEqual({ column: 'clinic' });
    expect(choicesFromSaved(saved).updateExisting).toBe(false);
    expect(choicesFromSaved(base)).toEqual({ template: base, defaults: { division: null, provider: null }, updateExisting: null });
  });
});
