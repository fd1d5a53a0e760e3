import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, testStore, type TestStore } from '../../../test/helpers/stores.js';
import { XrefStore } from './xrefs.js';

describe.each(DIALECTS)('cross-references on %s', (dialect) => {
  let store: TestStore | undefined;
  afterEach(async () => store?.dispose());

  it('takes one key twice in a batch (a record without a division: its scoped key is its bare key), the last one winning', async () => {
    store = await testStore(dialect);
    const xrefs = new XrefStore(store.db);
    // PostgreSQL refuses an upsert that touches one row twice ("cannot affect row a second time").
    await xrefs.upsertMany('oncall', 'contact', [
      { sourceKey: 'emr:7', partnerUrl: 'https://p/contacts/1/', contentHash: null },
      { sourceKey: 'emr:8', partnerUrl: 'https://p/contacts/2/', contentHash: null },
      { sourceKey: 'emr:7', partnerUrl: 'https://p/contacts/3/', contentHash: null },
    ]);
    const got = await xrefs.getMany('oncall', 'contact', ['emr:7', 'emr:8']);
    expect(Object.fromEntries([...got].map(([k, x]) => [k, x.partnerUrl]))).toEqual({ 'emr:7': 'https://p/contacts/3/', 'emr:8': 'https://p/contacts/2/' });
    expect(await xrefs.count('oncall', 'contact')).toBe(2);
  });
});
