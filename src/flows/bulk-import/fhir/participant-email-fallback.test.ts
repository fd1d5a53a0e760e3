import { describe, expect, it } from 'vitest';
import { parseMappingTemplate, type MappingTemplate } from '../mapping/template.js';
import { withRunDefaults } from '../template-defaults.js';
import { suggestEmrAppointmentMapping } from './emr-appointment.js';
import {
  fallbackForRow, resolveParticipantEmailFallback, type ParticipantEmailFallbackRule, type ProviderList,
} from './participant-email-fallback.js';

const BASE = 'https://api.oncallhealth.ca';

/** OnCall's providers as GET /providers/ lists them; counts how often it was listed. */
function providersOf(list: { id: number; email: string | null }[]): ProviderList & { calls: number } {
  const fn = Object.assign(async () => {
    fn.calls++;
    return list.map((p) => ({ url: `${BASE}/providers/${p.id}/`, email: p.email }));
  }, { calls: 0 });
  return fn;
}

const suggested = (options?: MappingTemplate['options']): MappingTemplate => {
  const t = suggestEmrAppointmentMapping();
  return options ? { ...t, options } : t;
};

describe('participantEmailFallback: resolved once per run, applied per row', () => {
  const providers = providersOf([{ id: 1, email: 'amelia@clinic.example' }, { id: 2, email: null }, { id: 3, email: '  ' }]);

  it('"provider" (the default of pulled appointments) lists OnCall\'s providers once; each row gets its own provider\'s address', async () => {
    const noOption: MappingTemplate = { ...suggestEmrAppointmentMapping(), options: {} };
    const before = providers.calls;
    for (const t of [suggested(), noOption]) {
      const rule = await resolveParticipantEmailFallback(withRunDefaults(t, { provider: '1' }), providers);
      // The run's provider, as an id or a URL, and a provider mapped from the EMR row by row.
      for (const provider of ['1', `${BASE}/providers/1/`, ' 1 ']) {
        expect(fallbackForRow(rule, provider)).toEqual({ kind: 'address', email: 'amelia@clinic.example', from: 'provider' });
      }
    }
    expect(providers.calls - before).toBe(2);
  });

  it('"provider" with no address to use says why: no provider, an unknown provider, a provider without e-mail', async () => {
    const reason = (rule: ParticipantEmailFallbackRule, provider?: string) => {
      const r = fallbackForRow(rule, provider);
      return r.kind === 'unavailable' ? r.reason : r.kind;
    };
    // No provider anywhere in the mapping: OnCall is not even asked.
    const before = providers.calls;
    const none = await resolveParticipantEmailFallback(suggested(), providers);
    expect(providers.calls).toBe(before);
    expect(reason(none, '')).toMatch(/^the appointment has no provider, so there is no provider address to use \(choose a provider/);
    const perRow: MappingTemplate = { ...suggested(), fields: { ...suggested().fields, provider: { column: 'practitioner', transforms: [{ type: 'value-map', map: { x: '1' }, otherwise: 'empty' }] } } };
    const rule = await resolveParticipantEmailFallback(perRow, providers);
    expect(reason(rule, '')).toMatch(/^the appointment has no provider/);
    expect(reason(rule, '9')).toBe('the appointment\'s provider was not found in OnCall');
    expect(reason(rule, '2')).toBe('the appointment\'s provider has no e-mail address in OnCall');
    expect(reason(rule, '3')).toBe('the appointment\'s provider has no e-mail address in OnCall');
    expect(reason(await resolveParticipantEmailFallback(perRow, undefined), '1')).toBe('the provider address was not looked up in OnCall');
  });

  it('an address or "none" apply without asking OnCall', async () => {
    const before = providers.calls;
    const desk = await resolveParticipantEmailFallback(suggested({ participantEmailFallback: 'desk@clinic.example' }), providers);
    expect(fallbackForRow(desk, '')).toEqual({ kind: 'address', email: 'desk@clinic.example', from: 'mapping' });
    expect(fallbackForRow(await resolveParticipantEmailFallback(suggested({ participantEmailFallback: 'none' }), providers), '1')).toEqual({ kind: 'none' });
    expect(providers.calls).toBe(before);
  });

  it('OnCall failing to answer is thrown, never taken for "no address" (which would leave rows out)', async () => {
    const failing: ProviderList = async () => {
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
