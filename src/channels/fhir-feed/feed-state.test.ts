import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testStore, type TestStore } from '../../../test/helpers/stores.js';
import { FeedState } from './feed-state.js';
import { fhirFeedSettings, FhirFeedSettingsError } from './settings.js';

describe.each(DIALECTS)('FHIR feed state in the settings table (%s)', (dialect) => {
  let store: TestStore;
  beforeAll(async () => {
    store = await testStore(dialect);
  }, 60_000);
  afterAll(() => store.dispose());

  it('keeps the first cursor, moves it forward only, and generates the hook token once', async () => {
    const a = new FeedState(store.db);
    const b = new FeedState(store.db); // another process on the same database
    expect(await a.cursor('Patient', '2026-05-01T00:00:00.000Z')).toBe('2026-05-01T00:00:00.000Z');
    expect(await b.cursor('Patient', '2026-06-01T00:00:00.000Z')).toBe('2026-05-01T00:00:00.000Z');
    await a.advance('Patient', '2026-05-02T10:00:00.000Z');
    await b.advance('Patient', '2026-05-01T12:00:00.000Z'); // late: ignored
    expect(await b.cursor('Patient', 'unused')).toBe('2026-05-02T10:00:00.000Z');
    expect(await a.cursor('Appointment', '2026-01-01T00:00:00.000Z')).toBe('2026-01-01T00:00:00.000Z');

    const [t1, t2] = await Promise.all([a.hookToken(), b.hookToken()]);
    expect(t1).toBe(t2);
    expect(t1).toMatch(/^[A-Za-z0-9_-]{43}$/);

    expect(await a.subscriptions()).toBeNull();
    await a.setSubscriptions({ base: 'http://emr/fhir', endpoint: 'http://engine/hooks/fhir/x', ids: ['s1', 's2'] });
    await a.setSubscriptions({ base: 'http://emr/fhir', endpoint: 'http://engine/hooks/fhir/x', ids: ['s3'] });
    expect(await b.subscriptions()).toEqual({ base: 'http://emr/fhir', endpoint: 'http://engine/hooks/fhir/x', ids: ['s3'] });
  });
});

describe('FHIR feed settings', () => {
  it('defaults, reads the environment, and names the variable of a bad value', () => {
    expect(fhirFeedSettings({})).toEqual({ enabled: true, intervalSeconds: 5, overlapSeconds: 60, subscribe: true });
    expect(
      fhirFeedSettings({
        EHR_BRIDGE_FHIR_FEED: 'off',
        EHR_BRIDGE_FHIR_FEED_INTERVAL_SECONDS: '2',
        EHR_BRIDGE_FHIR_FEED_OVERLAP_SECONDS: '0',
        EHR_BRIDGE_FHIR_FEED_SINCE: '2026-01-01T00:00:00Z',
        EHR_BRIDGE_FHIR_FEED_SUBSCRIBE: 'OFF',
      }),
    ).toEqual({ enabled: false, intervalSeconds: 2, overlapSeconds: 0, since: '2026-01-01T00:00:00Z', subscribe: false });
    expect(() => fhirFeedSettings({ EHR_BRIDGE_FHIR_FEED_SINCE: 'yesterday' })).toThrow(FhirFeedSettingsError);
    expect(() => fhirFeedSettings({ EHR_BRIDGE_FHIR_FEED: 'maybe' })).toThrow(/EHR_BRIDGE_FHIR_FEED:/);
    expect(fhirFeedSettings({ EHR_BRIDGE_FHIR_FEED_INTERVAL_SECONDS: '9' }, { intervalSeconds: 1 }).intervalSeconds).toBe(1);
  });
});
