import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OncallClient } from '../../partners/oncall/client.js';
import { FhirReader } from '../../partners/fhir-emr/fhir-reader.js';
import { DEFAULT_ONCALL_SANDBOX_API_KEY } from '../../sandboxes/oncall/plugin.js';
import { DIALECTS, testStore, type TestStore } from '../../../test/helpers/stores.js';
import { summaryLine, type Finding, type ReconcileType } from './findings.js';
import { parseOwners, OwnersError } from './owners.js';
import { reconcile, type ReconcileProgress } from './reconcile.js';
import { emrRecords, oncallRecords } from './sources.js';
import { startPlanted, type Planted } from './test-helpers/planted.js';

describe.each(DIALECTS)('reconciliation over planted differences (%s)', (dialect) => {
  let db: TestStore;
  let planted: Planted;
  let client: OncallClient;
  let reader: FhirReader;

  beforeAll(async () => {
    db = await testStore(dialect);
    planted = await startPlanted(db.db);
    client = new OncallClient({ baseUrl: planted.oncallBase, apiKey: DEFAULT_ONCALL_SANDBOX_API_KEY, maxRetries: 0 });
    reader = new FhirReader({ baseUrl: planted.emr.baseUrl, maxRetries: 0 });
  });
  afterAll(async () => {
    await client?.close();
    await reader?.close();
    await planted?.close();
    await db?.dispose();
  });

  const run = async (type: ReconcileType, owners = parseOwners(undefined)) => {
    const findings: Finding[] = [];
    const progress: ReconcileProgress[] = [];
    const summary = await reconcile({
      type,
      emr: emrRecords(type, reader),
      oncall: oncallRecords(type, client, { emrIdField: '1', emrIdMetadataKey: 'emr_id' }),
      db: db.db,
      owners,
      onFinding: (f) => void findings.push(f),
      onProgress: (p) => void progress.push(p),
    });
    return { summary, findings, progress };
  };

  it('reports each planted contact finding exactly, field by field with the owner', async () => {
    const { summary, findings, progress } = await run('contacts');
    const ids = planted.ids;
    expect(summaryLine(summary)).toBe('in sync 2, missing in OnCall 1, missing in EMR 1, different 1, duplicated 1');
    const byKind = Object.fromEntries(findings.map((f) => [f.kind, f]));
    expect(byKind.different).toMatchObject({
      emrId: ids.differentEmr,
      oncallUrl: ids.differentUrl,
      joinedBy: 'emr-id',
      fields: [{ field: 'email', emr: 'bea.brennan@example.com', oncall: 'bea.new@example.com', owner: 'emr' }],
    });
    expect(byKind['missing-in-oncall']).toMatchObject({ emrId: ids.missingInOncallEmr, oncallUrl: null });
    expect(byKind['missing-in-emr']).toMatchObject({ emrId: null, oncallUrl: ids.missingInEmrUrl });
    expect(byKind.duplicated).toMatchObject({ emrId: ids.duplicatedEmr, oncallUrls: [ids.duplicatedUrl1, ids.duplicatedUrl2] });
    expect(findings.map((f) => f.n)).toEqual([1, 2, 3, 4]);
    // Progress: both sides counted, ending with the totals.
    expect(progress.at(-1)).toMatchObject({ phase: 'done', emr: 5, oncall: 6 });
  });

  it('says who owns a field as configured (patient.email=oncall)', async () => {
    const { findings } = await run('contacts', parseOwners('patient=emr,appointment=oncall,patient.email=oncall'));
    expect(findings.find((f) => f.kind === 'different')?.fields).toEqual([
      { field: 'email', emr: 'bea.brennan@example.com', oncall: 'bea.new@example.com', owner: 'oncall' },
    ]);
  });

  it('reports each planted appointment finding exactly', async () => {
    const { summary, findings } = await run('appointments');
    const ids = planted.ids;
    expect(summaryLine(summary)).toBe('in sync 1, missing in OnCall 1, missing in EMR 1, different 1, duplicated 0');
    const different = findings.find((f) => f.kind === 'different');
    expect(different).toMatchObject({ emrId: ids.apptDifferentEmr, oncallUrl: ids.apptDifferentUrl, joinedBy: 'emr-id' });
    expect(different?.fields).toEqual([
      { field: 'start', emr: '2030-01-16T09:00Z', oncall: '2030-01-16T10:00Z', owner: 'oncall' },
      { field: 'end', emr: '2030-01-16T09:30Z', oncall: '2030-01-16T10:30Z', owner: 'oncall' },
    ]);
    expect(findings.find((f) => f.kind === 'missing-in-oncall')?.emrId).toBe(ids.apptMissingInOncallEmr);
    expect(findings.find((f) => f.kind === 'missing-in-emr')?.oncallUrl).toBe(ids.apptMissingInEmrUrl);
  });

  it('a link to a contact deleted in OnCall since is missing in OnCall, with a note', async () => {
    await db.db.insertInto('links').values({
      kind: 'patient', source_system: 'emr', source_id: 'no-such-patient', target_system: 'oncall', target_id: `${planted.oncallBase}/contacts/999999/`,
      parent_id: null, projection_hash: null, not_after: null, updated_at: new Date().toISOString(),
    }).execute();
    planted.store.create({ resourceType: 'Patient', id: 'x', name: [{ family: 'Gone', given: ['Gail'] }] });
    const created = planted.store.list('Patient').at(-1)!;
    await db.db.updateTable('links').set({ source_id: created.id! }).where('source_id', '=', 'no-such-patient').execute();
    const { findings } = await run('contacts');
    const f = findings.find((x) => x.emrId === created.id);
    expect(f).toMatchObject({ kind: 'missing-in-oncall', note: 'the contact it was paired with is no longer in OnCall' });
    planted.store.delete('Patient', created.id!);
  });
});

describe('owners setting', () => {
  it('refuses an unknown field or side with the setting named', () => {
    expect(() => parseOwners('patient.shoe=emr')).toThrow(OwnersError);
    expect(() => parseOwners('patient=somebody')).toThrow(/EHR_BRIDGE_SYNC_OWNERS/);
    expect(parseOwners('appointment.status=emr').ownerOf('appointment', 'status')).toBe('emr');
    expect(parseOwners('').ownerOf('patient', 'email')).toBe('emr');
  });
});
