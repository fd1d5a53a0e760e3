import { afterEach, describe, expect, it } from 'vitest';
import type { Patient } from '@medplum/fhirtypes';
import { DIALECTS } from '../helpers/stores.js';
import { fakePeople, importHarness, stageContacts, waitForRun, type ImportHarness } from '../helpers/import-harness.js';
import { LinkStore } from '../../src/links/link-store.js';
import { EffectStore } from '../../src/effects/effect-store.js';
import { OncallSyncTarget } from '../../src/flows/sync/targets/oncall/oncall-sync-target.js';
import { OncallPlacements } from '../../src/flows/sync/targets/oncall/defaults.js';
import { syncSettings } from '../../src/flows/sync/settings.js';
import { Trace } from '../../src/flows/sync/trace.js';
import { IDENTIFIER_SYSTEMS } from '../../src/domain/identifiers.js';

/**
 * Issue 8, "links": bulk import writes the shared links store, so a patient imported earlier is
 * recognised when its first ADT arrives: no second contact, and a changed field is PATCHed.
 */
describe.each(DIALECTS)('an imported patient is recognised by the sync (%s)', (dialect) => {
  let h: ImportHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('links written by the import; the first ADT PATCHes only the changed key and creates nothing', async () => {
    h = await importHarness(dialect);
    const people = fakePeople(3);
    const run = await stageContacts(h, people);
    await h.service.start(run);
    expect((await waitForRun(h.service, run)).counts.created).toBe(3);
    const links = new LinkStore(h.store.db);
    expect(await links.count('patient', 'oncall')).toBe(3);

    const settings = syncSettings({});
    const target = new OncallSyncTarget({
      client: () => h!.client,
      links,
      effects: new EffectStore(h.store.db),
      placements: new OncallPlacements(() => h!.client, () => h!.sandboxUrl, settings),
      settings,
      emrIdField: '1',
      emrIdMetadataKey: 'emr_id',
    });
    const [id, first, last, email, dob] = people[1]!;
    const patient: Patient = {
      resourceType: 'Patient',
      identifier: [{ system: IDENTIFIER_SYSTEMS.emr, value: id! }],
      name: [{ family: last, given: [first!] }],
      telecom: [{ system: 'email', value: `new.${email}` }],
      birthDate: dob,
      gender: 'male',
    };
    const before = (await h.admin('stats')) as { contacts: number; requests: { byMethod: Record<string, number> } };
    const trace = new Trace();
    await target.patient({ type: 'patient-upsert', emrPatientId: id!, patient }, { messageId: 1, trace });
    const after = (await h.admin('stats')) as { contacts: number; requests: { byMethod: Record<string, number> } };
    expect(after.contacts).toBe(before.contacts);
    expect(after.requests.byMethod.POST ?? 0).toBe(before.requests.byMethod.POST ?? 0);
    const decisions = trace.entries.filter((e) => e.kind === 'decision').map((e) => e.detail.summary);
    expect(decisions).toEqual([expect.stringMatching(/^Contact updated: email/)]);
    const link = await links.find('patient', { system: 'emr', id: id! }, 'oncall');
    expect((await h.client.getContact(link!.targetId)).email).toBe(`new.${email}`);
  }, 120_000);
});
