import { describe, expect, it } from 'vitest';
import { durationWords, oncallScanSettings, OncallScanSettingsError } from './settings.js';

describe('oncallScanSettings', () => {
  it('defaults to every 15 min; reads 30s, 1h, 1h30m and off', () => {
    expect(oncallScanSettings({}).everyMs).toBe(15 * 60_000);
    expect(oncallScanSettings({ EHR_BRIDGE_ONCALL_SCAN_EVERY: '30s' }).everyMs).toBe(30_000);
    expect(oncallScanSettings({ EHR_BRIDGE_ONCALL_SCAN_EVERY: ' 1H ' }).everyMs).toBe(3_600_000);
    expect(oncallScanSettings({ EHR_BRIDGE_ONCALL_SCAN_EVERY: '1h30m' }).everyMs).toBe(5_400_000);
    expect(oncallScanSettings({ EHR_BRIDGE_ONCALL_SCAN_EVERY: 'off' }).everyMs).toBeNull();
  });

  it('refuses what is not a duration, or out of range, naming the variable and the forms', () => {
    for (const bad of ['15', 'soon', '-5m', '15 minutes', '1s', '30d']) {
      expect(() => oncallScanSettings({ EHR_BRIDGE_ONCALL_SCAN_EVERY: bad })).toThrow(OncallScanSettingsError);
    }
    expect(() => oncallScanSettings({ EHR_BRIDGE_ONCALL_SCAN_EVERY: 'soon' })).toThrow(/EHR_BRIDGE_ONCALL_SCAN_EVERY: "soon" is not a duration \(examples: 30s, 15m, 1h, 1h30m\) or off/);
    expect(() => oncallScanSettings({ EHR_BRIDGE_ONCALL_SCAN_EVERY: '1s' })).toThrow(/between 10s and 7d/);
  });

  it('says a schedule in words', () => {
    expect(durationWords(15 * 60_000)).toBe('15 min');
    expect(durationWords(5_400_000)).toBe('1 h 30 min');
  });
});

