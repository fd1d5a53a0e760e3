import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.js';
import { elideBase64, messagePreview } from './message-preview.js';
import { selectRoute } from './route-select.js';
import { defaultDocumentTitle } from './default-title.js';

describe('EHR route selection', () => {
  const config = loadConfig(
    {},
    {
      ehr: {
        routes: {
          chu: { format: 'hprim', transport: { kind: 'file', dir: '/tmp/x' }, organizations: ['chu-nantes'] },
          clinic: { format: 'json', transport: { kind: 'http', url: 'https://ehr.example/in' }, organizations: ['Organization/clinic-1', '750712184'] },
        },
      },
    },
  ).ehr;

  it('takes the encounter service provider first, then the managing organization, else the default', () => {
    const patient = { resourceType: 'Patient' as const, managingOrganization: { reference: 'Organization/clinic-1' } };
    expect(selectRoute(config, patient, { resourceType: 'Encounter', status: 'finished', class: { code: 'AMB' }, serviceProvider: { reference: 'Organization/chu-nantes' } }).name).toBe('chu');
    expect(selectRoute(config, patient, undefined).name).toBe('clinic');
    expect(selectRoute(config, { resourceType: 'Patient', managingOrganization: { identifier: { value: '750712184' } } }, undefined).name).toBe('clinic');
    expect(selectRoute(config, { resourceType: 'Patient' }, undefined)).toMatchObject({ name: 'default', route: { format: 'hl7-oru', transport: { kind: 'mllp' } } });
  });

  it('refuses routes whose format and transport do not go together', () => {
    expect(() => loadConfig({}, { ehr: { routes: { x: { format: 'hprim', transport: { kind: 'mllp' } } } } })).toThrow(/file drop/);
    expect(() => loadConfig({}, { ehr: { routes: { x: { format: 'json', transport: { kind: 'mllp' } } } } })).toThrow(/mllp transport/);
    expect(() => loadConfig({ EHR_BRIDGE_EHR_DEFAULT_ROUTE: 'nope' })).toThrow(/defaultRoute/);
  });
});

describe('message preview and default title', () => {
  it('elides base64 runs and keeps everything else', () => {
    const b64 = Buffer.alloc(3000, 7).toString('base64');
    const text = `OBX|1|ED|11488-4^Consult note^LN||^AP^PDF^Base64^${b64}||||||F\rMSH-10 ABCDEFGHIJKLMNOPQRST`;
    expect(elideBase64(text)).toBe(`OBX|1|ED|11488-4^Consult note^LN||^AP^PDF^Base64^<base64 elided: ${b64.length} characters>||||||F\rMSH-10 ABCDEFGHIJKLMNOPQRST`);
    expect(messagePreview(JSON.stringify({ document: { data: b64, sha256: 'a'.repeat(64) } }))).toContain('a'.repeat(64));
  });

  it('builds type_day_identifier, without the patient name or birth date', () => {
    // No name and no birth date (issue 6, item 9): LOINC, day accepted, control id.
    expect(defaultDocumentTitle('11488-4', 'ID1', new Date('2026-02-03T10:00:00Z'))).toBe('11488-4_20260203_ID1');
  });
});

describe('message preview of a large message', () => {
  it('elides a 27 MB base64 run from bytes and from text without exhausting the stack', () => {
    const run = Buffer.alloc(20 * 1024 * 1024, 0xab).toString('base64');
    const msg = `OBX|1|ED|^AP^PDF^Base64^${run}|||F\rOBX|2|TX|TITLE^T^L||Zoë`;
    const expected = `OBX|1|ED|^AP^PDF^Base64^<base64 elided: ${run.length} characters>|||F\rOBX|2|TX|TITLE^T^L||Zoë`;
    expect(messagePreview(Buffer.from(msg, 'utf8'), 'utf8')).toBe(expected);
    expect(messagePreview(Buffer.from(msg, 'latin1'), 'latin1')).toBe(expected);
    expect(messagePreview(msg)).toBe(expected);
  });
});
