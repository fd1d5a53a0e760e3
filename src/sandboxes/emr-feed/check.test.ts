import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OncallClient } from '../../partners/oncall/client.js';
import { DEFAULT_ONCALL_SANDBOX_API_KEY } from '../oncall/plugin.js';
import { startSandbox, type RunningSandbox } from '../oncall/test-harness.js';
import { checkOncall } from './check.js';
import { generateFeed } from './generator.js';
import type { FeedExpectation } from './model.js';

/**
 * checkOncall against the OnCall sandbox over real HTTP, with records written directly through
 * the engine's OnCall client: all matching gives no difference; each kind of mismatch is named
 * by EMR id and field, without patient data.
 */
describe('checkOncall (OnCall sandbox)', () => {
  let sandbox: RunningSandbox;
  let client: OncallClient;
  let expected: FeedExpectation;

  beforeAll(async () => {
    sandbox = await startSandbox();
    client = new OncallClient({ baseUrl: sandbox.base, apiKey: DEFAULT_ONCALL_SANDBOX_API_KEY, requestsPerSecond: 0, maxRetries: 2 });
    expected = generateFeed({ count: 120, patients: 20, seed: 'check-test', now: new Date('2026-12-02T15:00:00Z') }).expectation;
  }, 30_000);
  afterAll(async () => {
    await client?.close();
    await sandbox?.close();
  });

  const division = () => `${sandbox.base}/divisions/1/`;
  const provider = () => `${sandbox.base}/providers/1/`;
  /** contact url per EMR id, appointment url per EMR appointment id. */
  const contactUrls = new Map<string, string>();
  const appointmentUrls = new Map<string, string>();

  async function writeMatchingRecords(): Promise<void> {
    for (const [emrId, c] of Object.entries(expected.contacts)) {
      const created = await client.createContact({
        division: division(),
        provider: provider(),
        name: `${c.first_name} ${c.last_name}`,
        first_name: c.first_name,
        last_name: c.last_name,
        // As the EMR may write it: the checker compares without case, and phones by digits.
        email: c.email.replace(/^./, (ch) => ch.toUpperCase()),
        phone: `+1 (${c.phone.slice(0, 3)}) ${c.phone.slice(3, 6)}-${c.phone.slice(6)}`,
        date_of_birth: c.date_of_birth,
        custom_field_values: { '1': emrId },
        ...(c.merged ? { notes: 'Merged into EMR patient (survivor)' } : {}),
      });
      contactUrls.set(emrId, created.url);
    }
    for (const [emrId, a] of Object.entries(expected.appointments)) {
      const c = expected.contacts[a.patient_emr_id]!;
      const created = await client.createAppointment({
        title: 'Appointment',
        datetime: a.datetime,
        duration: a.duration,
        type: 'inperson',
        division: division(),
        provider: provider(),
        cancelled: a.cancelled,
        participants: [{ name: `${c.first_name} ${c.last_name}`, first_name: c.first_name, last_name: c.last_name, email: c.email, fee: 0 }],
        metadata: { emr_id: emrId, patient_emr_id: a.patient_emr_id, ...(a.noshow ? { noshow: true } : {}) },
      });
      appointmentUrls.set(emrId, created.url);
    }
  }

  it('finds no difference when OnCall holds what the feed expects', async () => {
    expect(Object.values(expected.contacts).some((c) => c.merged)).toBe(true);
    expect(Object.values(expected.appointments).some((a) => a.cancelled)).toBe(true);
    await writeMatchingRecords();
    expect(await checkOncall(expected, client)).toEqual([]);
  });

  it('names each mismatch by EMR id and field, and never a patient value', async () => {
    const [plainId, plain] = Object.entries(expected.contacts).find(([, c]) => !c.merged)!;
    const [mergedId] = Object.entries(expected.contacts).find(([, c]) => c.merged)!;
    const [apptId, appt] = Object.entries(expected.appointments).find(([, a]) => !a.cancelled && !a.noshow)!;
    const [cancelledId] = Object.entries(expected.appointments).find(([, a]) => a.cancelled)!;

    await client.patchContact(contactUrls.get(plainId)!, { last_name: `${plain.last_name}x`, phone: '555 0000', email: 'someone.else@example.org' });
    await client.patchContact(contactUrls.get(mergedId)!, { notes: 'Moved away' });
    await client.patchAppointment(appointmentUrls.get(apptId)!, {
      datetime: new Date(Date.parse(appt.datetime) + 3_600_000).toISOString(),
      duration: appt.duration + 5,
      metadata: { emr_id: apptId, patient_emr_id: 'P-OTHER', noshow: true },
    });
    await client.patchAppointment(appointmentUrls.get(cancelledId)!, { cancelled: false });
    // A second contact claiming an expected EMR id, and an expected one that OnCall lacks.
    const [twinId, twin] = Object.entries(expected.contacts).filter(([, c]) => !c.merged)[1]!;
    await client.createContact({ division: division(), provider: provider(), name: 'Twin', first_name: twin.first_name, last_name: twin.last_name, custom_field_values: { '1': twinId } });
    const withMissing: FeedExpectation = {
      ...expected,
      contacts: { ...expected.contacts, PNOTTHERE: { ...plain } },
      appointments: { ...expected.appointments, ANOTTHERE: { ...appt } },
    };

    const differences = await checkOncall(withMissing, client);
    expect(differences.sort()).toEqual(
      [
        `contact EMR id ${plainId}: last_name differs`,
        `contact EMR id ${plainId}: email differs`,
        `contact EMR id ${plainId}: phone differs`,
        `contact EMR id ${mergedId} (merged): notes do not mention the merge`,
        `contact EMR id ${twinId}: 2 contacts hold this EMR id (expected one)`,
        'contact EMR id PNOTTHERE: missing',
        `appointment EMR id ${apptId}: patient EMR id is P-OTHER, expected ${appt.patient_emr_id}`,
        `appointment EMR id ${apptId}: datetime is off by +60 minutes`,
        `appointment EMR id ${apptId}: duration is ${appt.duration + 5} minutes, expected ${appt.duration}`,
        `appointment EMR id ${apptId}: metadata.noshow is true, expected false`,
        `appointment EMR id ${cancelledId}: cancelled is false, expected true`,
        'appointment EMR id ANOTTHERE: missing',
      ].sort(),
    );
    // No name, e-mail, phone or birth date of any expected patient in the text.
    const text = differences.join('\n');
    for (const c of Object.values(expected.contacts)) {
      for (const value of [c.last_name, c.email, c.date_of_birth, c.phone]) expect(text).not.toContain(value);
    }
  });

  it('reads the EMR ids from the custom field and metadata key it is given', async () => {
    const only: FeedExpectation = { ...expected, contacts: {}, appointments: {} };
    const [emrId, c] = Object.entries(expected.contacts).find(([, x]) => !x.merged)!;
    await client.createContact({
      division: `${sandbox.base}/divisions/2/`,
      provider: `${sandbox.base}/providers/1/`,
      name: 'Other division',
      first_name: c.first_name,
      last_name: c.last_name,
      email: c.email,
      phone: c.phone,
      date_of_birth: c.date_of_birth,
      custom_field_values: { '2': `${emrId}-D2` },
    });
    only.contacts[`${emrId}-D2`] = c;
    expect(await checkOncall(only, client, { emrIdField: '2' })).toEqual([]);
    expect(await checkOncall(only, client)).toEqual([`contact EMR id ${emrId}-D2: missing`]);
  });
});
