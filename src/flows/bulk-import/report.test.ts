import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, testStore, type TestStore } from '../../../test/helpers/stores.js';
import { detailsText } from './problem-words.js';
import { writeReportCsv } from './report.js';
import { runOptionsSchema } from './run-options.js';
import { RunStore } from './run-store.js';

/**
 * Issue 7: the report CSV's details say what the run page says, with the page's field labels
 * ("Date of birth is in the future"), never the validator's keys (`birthDate`, `FirstName`) or
 * an OnCall clinic path ("/divisions/1/"). The stored text stays as written.
 */
async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out.replace(/^\uFEFF/, '');
}

describe('report details in the page\'s words', () => {
  it('names fields by their labels and drops internal words', () => {
    expect(detailsText('contacts', 'birthDate is in the future; firstName contains an e-mail address, not a name'))
      .toBe('Date of birth is in the future; First name contains an e-mail address, not a name');
    expect(detailsText('contacts', 'FirstName contains an e-mail address, not a name')).toBe('First name contains an e-mail address, not a name');
    expect(detailsText('contacts', 'email is not a valid e-mail address')).toBe('E-mail is not a valid e-mail address');
    expect(detailsText('contacts', 'a name is required (fullName, or firstName / lastName)'))
      .toBe('A name is required (Full name, or First name / Last name)');
    const sex = detailsText('contacts', 'sex must be one of male, female, other, unknown (add a value map for other codes)');
    expect(sex).toBe('Sex must be one of male, female, other, unknown (add a translation for other codes on the matching screen)');
    expect(detailsText('contacts', 'exists in another clinic (/divisions/1/); not moved')).toBe('Exists in another clinic; not moved');
    expect(detailsText('contacts', 'already in OnCall; differs in first_name, birth_date (updates not requested)'))
      .toBe('Already in OnCall; differs in First name, Date of birth (updates not requested)');
    expect(detailsText('contacts', 'moved from another clinic (/divisions/2/); updated phone, custom fields'))
      .toBe('Moved from another clinic; updated Phone, custom fields');
    expect(detailsText('appointments', 'participants.email[2] is not a valid e-mail address'))
      .toBe('Participant e-mail (participant 2) is not a valid e-mail address');
    expect(detailsText('appointments', 'metadata.room is longer than 2000 characters (metadata value limit)'))
      .toBe('Extra value “room” is longer than 2000 characters (extra value limit)');
    // Messages without field keys are left as they were (but start with a capital).
    expect(detailsText('contacts', 'import cancelled before this row was sent')).toBe('Import cancelled before this row was sent');
    expect(detailsText('contacts', null)).toBe('');
  });
});

describe.each(DIALECTS)('report CSV on %s', (dialect) => {
  let store: TestStore | undefined;
  afterEach(async () => {
    await store?.dispose();
    store = undefined;
  });

  it('writes each line\'s details with the page\'s labels, the stored text unchanged', async () => {
    store = await testStore(dialect);
    const runs = new RunStore(store.db);
    const run = await runs.create({ target: 'oncall', recordType: 'contacts', source: 'csv', fileName: 'f.csv', mapping: {}, options: runOptionsSchema.parse({}) });
    const errors = [
      { line: 2, field: 'birthDate', code: 'birth-date-in-future', message: 'birthDate is in the future', severity: 'error' },
      { line: 2, field: 'firstName', code: 'email-in-name', message: 'firstName contains an e-mail address, not a name', severity: 'error' },
    ];
    await runs.insertRows(run.id, [
      { line: 2, key: 'emr:e-2', status: 'invalid', record: {}, errors },
      { line: 3, key: 'emr:e-3', status: 'pending', record: {}, errors: null },
    ]);
    await store.db.transaction().execute((trx) => runs.recordOutcomes(run.id, [
      { line: 3, status: 'skipped', partnerUrl: 'http://oncall.test/contacts/9/', message: 'exists in another clinic (/divisions/1/); not moved' },
    ], trx));

    const csv = await readAll(writeReportCsv(runs, (await runs.get(run.id))!));
    const lines = csv.trim().split(/\r?\n/);
    expect(lines[1]).toBe('2,left out,e-2,,"Date of birth is in the future; First name contains an e-mail address, not a name"');
    expect(lines[2]).toBe('3,already in OnCall,e-3,http://oncall.test/contacts/9/,Exists in another clinic; not moved');
    expect(csv).not.toMatch(/birthDate|firstName|divisions/);
    // Translated on the way out: what is stored is what the run wrote.
    const stored = (await runs.rows(run.id, { offset: 0, limit: 10 })).items.map((r) => r.message);
    expect(stored).toEqual(['birthDate is in the future; firstName contains an e-mail address, not a name', 'exists in another clinic (/divisions/1/); not moved']);
  });
});
