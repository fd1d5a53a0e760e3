import { describe, expect, it } from 'vitest';
import { Hl7EmrSettingsError, hl7EmrSettings, parseHostPort } from './settings.js';

describe('hl7EmrSettings', () => {
  it('reads host:port, application, facility, TLS and timeout', () => {
    expect(
      hl7EmrSettings({
        EHR_BRIDGE_EMR_HL7_TO: 'emr.clinic.local:6661',
        EHR_BRIDGE_EMR_HL7_APP: 'OSCAR',
        EHR_BRIDGE_EMR_HL7_FACILITY: 'MAIN CLINIC',
        EHR_BRIDGE_EMR_HL7_TLS: 'on',
        EHR_BRIDGE_EMR_HL7_TIMEOUT_MS: '5000',
      }),
    ).toEqual({ host: 'emr.clinic.local', port: 6661, receivingApplication: 'OSCAR', receivingFacility: 'MAIN CLINIC', tls: true, timeoutMs: 5000 });
  });

  it('falls back to the given default address, and needs one of the two', () => {
    expect(hl7EmrSettings({}, { host: '127.0.0.1', port: 2575 })).toEqual({ host: '127.0.0.1', port: 2575, timeoutMs: 10_000 });
    expect(hl7EmrSettings({ EHR_BRIDGE_EMR_HL7_TO: '[::1]:7000' }, { host: '127.0.0.1', port: 2575 })).toMatchObject({ host: '::1', port: 7000 });
    expect(() => hl7EmrSettings({})).toThrow(/EHR_BRIDGE_EMR_HL7_TO: not set/);
  });

  it('lists every bad variable by name, in one error', () => {
    let err: unknown;
    try {
      hl7EmrSettings({
        EHR_BRIDGE_EMR_HL7_TO: 'emr:99999',
        EHR_BRIDGE_EMR_HL7_APP: 'A|B',
        EHR_BRIDGE_EMR_HL7_TLS: 'maybe',
        EHR_BRIDGE_EMR_HL7_TIMEOUT_MS: '10s',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Hl7EmrSettingsError);
    const lines = (err as Error).message.split('\n').slice(1).map((l) => l.trim().split(':')[0]);
    expect(lines).toEqual(['EHR_BRIDGE_EMR_HL7_TO', 'EHR_BRIDGE_EMR_HL7_APP', 'EHR_BRIDGE_EMR_HL7_TLS', 'EHR_BRIDGE_EMR_HL7_TIMEOUT_MS']);
  });

  it('parses host:port shapes', () => {
    expect(parseHostPort('localhost:2575')).toEqual({ host: 'localhost', port: 2575 });
    expect(parseHostPort('10.0.0.5:1')).toEqual({ host: '10.0.0.5', port: 1 });
    for (const bad of ['localhost', ':2575', 'host:0', 'host:65536', '::1:2575', 'a b:1']) expect(parseHostPort(bad), bad).toBeUndefined();
  });
});
