import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, testStore, type TestStore } from '../../../test/helpers/stores.js';
import { FhirError } from './fhir-error.js';
import { PageTokens, pageTokenSecret, type PageState } from './page-token.js';

/** Signed `_page` tokens (issue 6, item 5): the secret, and what a token may carry. */
describe.each(DIALECTS)('page token secret (%s)', (dialect) => {
  let store: TestStore | undefined;
  afterEach(async () => {
    await store?.dispose();
    store = undefined;
  });

  it('is generated once: concurrent first uses agree, and it is kept', async () => {
    store = await testStore(dialect);
    const db = store.db;
    const keys = await Promise.all(Array.from({ length: 6 }, () => pageTokenSecret(db)));
    expect(keys[0]!.length).toBe(32);
    for (const k of keys) expect(k.equals(keys[0]!)).toBe(true);
    expect((await pageTokenSecret(db)).equals(keys[0]!)).toBe(true);
    const rows = await db.selectFrom('settings').selectAll().where('key', '=', 'fhir.page_token_secret').execute();
    expect(rows).toHaveLength(1);
  });

  it('a configured secret wins and nothing is written', async () => {
    store = await testStore(dialect);
    const configured = 'x'.repeat(40);
    expect((await pageTokenSecret(store.db, configured)).toString()).toBe(configured);
    expect(await store.db.selectFrom('settings').selectAll().execute()).toHaveLength(0);
  });
});

describe('page tokens', () => {
  const tokens = new PageTokens(async () => Buffer.alloc(32, 7));
  const other = new PageTokens(async () => Buffer.alloc(32, 8));
  const state: PageState = { type: 'Patient', params: [['family', 'Smi']], count: 20, emr: 'Patient?_getpages=abc&_getpagesoffset=20&_count=20' };
  const unsigned = (s: unknown) => Buffer.from(JSON.stringify(s)).toString('base64url');
  const refused = async (p: Promise<unknown>, status = 400) => {
    const e = await p.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(FhirError);
    expect((e as FhirError).status).toBe(status);
  };

  it('opens what it signed', async () => {
    expect(await tokens.open(await tokens.sign(state), 'Patient')).toEqual(state);
  });

  it('refuses a token that is unsigned, signed under another key, edited, or of another type', async () => {
    await refused(tokens.open(Buffer.from('Patient?_count=1000').toString('base64url'), 'Patient'));
    await refused(tokens.open(unsigned(state), 'Patient'));
    await refused(tokens.open(await other.sign(state), 'Patient'));
    const [, sig] = (await tokens.sign(state)).split('.');
    await refused(tokens.open(`${unsigned({ ...state, params: [], count: 1000, emr: 'Patient?_count=1000' })}.${sig}`, 'Patient'));
    await refused(tokens.open(`${await tokens.sign(state)}x`, 'Patient'));
    await refused(tokens.open(await tokens.sign(state), 'Encounter'));
    await refused(tokens.open('', 'Patient'));
  });

  it('applies the search rules again to a validly signed token', async () => {
    // No criterion: the same 422 as a search without one.
    await refused(tokens.open(await tokens.sign({ ...state, params: [] }), 'Patient'), 422);
    await refused(tokens.open(await tokens.sign({ ...state, params: [['gender', 'female']] }), 'Patient'));
    await refused(tokens.open(await tokens.sign({ ...state, emr: 'Patient?_getpages=abc&_count=1000' }), 'Patient'));
    await refused(tokens.open(await tokens.sign({ ...state, emr: 'Encounter?_getpages=abc' }), 'Patient'));
    await refused(tokens.open(await tokens.sign({ ...state, emr: 'Patient?x=../../admin' }), 'Patient'));
    expect((await tokens.open(await tokens.sign({ ...state, count: 1000 }), 'Patient')).count).toBe(100);
  });
});
