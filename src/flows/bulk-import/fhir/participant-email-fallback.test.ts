import { describe, expect, it } from 'vitest';
import { parseMappingTemplate, type MappingTemplate } from '../mapping/template.js';
import { withRunDefaults } from '../template-defaults.js';
import { suggestEmrAppointmentMapping } from './emr-appointment.js';
import { resolveParticipantEmailFallback, type ProviderEmailLookup } from './participant-email-fallback.js';

/** A lookup that answers from a fixed list and counts its calls (the provider is read once per run). */
function lookupOf(providers: Record<string, string | null>): ProviderEmailLookup & { calls: string[] } {
  const calls: string[] = [];
  const fn = async (p: string) => {
    calls.push(p);
    return p in providers ? { email: providers[p]! } : null;
  };
  return Object.assign(fn, { calls });
}

const suggested = (options?: MappingTemplate['options']): MappingTemplate => {
  const t = suggestEmrAppointmentMapping();
  return options ? { ...t, options } : t;
};

describe('participantEmailFallback: resolved once per run', () => {
  it('"provider" (the default of pulled appointments) reads the run\'s provider e-mail once', async () => {
    const lookup = lookupOf({ '1': 'amelia@clinic.example' });
    const noOption: MappingTemplate = { ...suggestEmrAppointmentMapping(), options: {} };
    for (const t of [suggested(), noOption]) {
      expect(await resolveParticipantEmailFallback(withRunDefaults(t, { provider: '1' }), lookup))
        .toEqual({ kind: 'address', email: 'amelia@clinic.example', from: 'provider' });
    }
    expect(lookup.calls).toEqual(['1', '1']);
  });

  it('"provider" with no address to use says why: no provider, a provider per row, unknown provider, provider without e-mail', async () => {
    const lookup = lookupOf({ '2': null, '3': '  ' });
    const reason = async (t: MappingTemplate) => {
      const r = await resolveParticipantEmailFallback(t, lookup);
      return r.kind === 'unavailable' ? r.reason : r.kind;
    };
    expect(await reason(suggested())).toMatch(/^the run has no provider/);
    const perRow: MappingTemplate = { ...suggested(), fields: { ...suggested().fields, provider: { column: 'practitioner', transforms: [{ type: 'value-map', map: { x: '1' } }] } } };
    expect(await reason(withRunDefaults(perRow, { provider: '1' }))).toMatch(/takes the provider from an EMR field/);
    expect(await reason(withRunDefaults(suggested(), { provider: '9' }))).toBe('the run\'s provider was not found in OnCall');
    expect(await reason(withRunDefaults(suggested(), { provider: '2' }))).toBe('the run\'s provider has no e-mail address in OnCall');
    expect(await reason(withRunDefaults(suggested(), { provider: '3' }))).toBe('the run\'s provider has no e-mail address in OnCall');
  });

  it('an address or "none" apply without asking OnCall', async () => {
    const lookup = lookupOf({});
    expect(await resolveParticipantEmailFallback(suggested({ participantEmailFallback: 'desk@clinic.example' }), lookup))
      .toEqual({ kind: 'address', email: 'desk@clinic.example', from: 'mapping' });
    expect(await resolveParticipantEmailFallback(suggested({ participantEmailFallback: 'none' }), lookup)).toEqual({ kind: 'none' });
    expect(lookup.calls).toEqual([]);
  });

  it('OnCall failing to answer is thrown, never taken for "no address" (which would leave rows out)', async () => {
    const failing: ProviderEmailLookup = async () => {
      throw Object.assign(new Error('OnCall Health answered 503'), { status: 503 });
    };
    await expect(resolveParticipantEmailFallback(withRunDefaults(suggested(), { provider: '1' }), failing)).rejects.toThrow('503');
  });

  it('the template accepts "provider", "none" or an e-mail address, and refuses anything else with a clear message', () => {
    for (const v of ['provider', 'none', 'front.desk@clinic.example']) {
      expect(parseMappingTemplate({ ...suggested(), options: { participantEmailFallback: v } }).ok, v).toBe(true);
    }
    for (const v of ['the provider', 'desk@', '']) {
      const r = parseMappingTemplate({ ...suggested(), options: { participantEmailFallback: v } });
      expect(r.ok, v).toBe(false);
      if (!r.ok) expect(r.issues).toEqual([{ path: 'options.participantEmailFallback', message: 'participantEmailFallback is "provider", "none" or an e-mail address' }]);
    }
  });
});
