import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OncallClient } from '../../../../partners/oncall/client.js';
import { PartnerError } from '../../../../partners/partner-error.js';
import { DEFAULT_ONCALL_SANDBOX_API_KEY } from '../../../../sandboxes/oncall/plugin.js';
import { appointmentBody, contactBody, startSandbox, type RunningSandbox } from '../../../../sandboxes/oncall/test-harness.js';
import { OncallPlatformSource } from './oncall-platform-source.js';

/** Against the OnCall sandbox over real HTTP: what the EMR target's fetch sees. */
describe('OncallPlatformSource', () => {
  let sb: RunningSandbox;
  let client: OncallClient;
  let source: OncallPlatformSource;

  beforeAll(async () => {
    sb = await startSandbox({}, '/oncall');
    client = new OncallClient({ baseUrl: sb.base, apiKey: DEFAULT_ONCALL_SANDBOX_API_KEY, requestsPerSecond: 0, maxRetries: 0, timeoutMs: 5000 });
    source = new OncallPlatformSource({ client: () => client, emrIdField: '1', emrIdMetadataKey: 'emr_id' });
  });
  afterAll(async () => {
    await client.close();
    await sb.close();
  });

  it('GETs an appointment and a contact and reads them as canonical FHIR', async () => {
    const appt = await sb.call('POST', '/appointments/', appointmentBody(sb.base, { metadata: { emr_id: 'A-1' } }));
    expect(appt.status).toBe(201);
    const fetched = await source.fetch('appointment', appt.body.url);
    const canonical = source.toCanonical('appointment', fetched);
    expect(canonical).toMatchObject({ kind: 'appointment', id: appt.body.url, emrAppointmentId: 'A-1' });
    expect(canonical.kind === 'appointment' && canonical.appointment.start).toBe('2030-01-15T15:00:00Z');
    expect(canonical.kind === 'appointment' && canonical.participants[0]?.id).toBe(appt.body.participants[0].url);

    const contact = await sb.call('POST', '/contacts/', contactBody(sb.base, { date_of_birth: '1980-05-06', custom_field_values: { '1': 'MRN-5' } }));
    expect(contact.status).toBe(201);
    const c = source.toCanonical('patient', await source.fetch('patient', contact.body.url));
    expect(c).toMatchObject({ kind: 'patient', id: contact.body.url, emrPatientId: 'MRN-5' });
    expect(c.kind === 'patient' && c.patient.birthDate).toBe('1980-05-06');
  });

  it('a record deleted (404) since the event is null; other failures are PartnerErrors', async () => {
    expect(await source.fetch('appointment', `${sb.base}/appointments/999999/`)).toBeNull();
    expect(await source.fetch('patient', `${sb.base}/contacts/999999/`)).toBeNull();
    const wrongClient = new OncallClient({ baseUrl: sb.base, apiKey: 'wrong', requestsPerSecond: 0, maxRetries: 0 });
    const wrongKey = new OncallPlatformSource({ client: () => wrongClient, emrIdField: '1', emrIdMetadataKey: 'emr_id' });
    try {
      await expect(wrongKey.fetch('appointment', `${sb.base}/appointments/1/`)).rejects.toMatchObject({ name: 'PartnerError', kind: 'auth' });
    } finally {
      await wrongClient.close();
    }
    // A 5xx is not "deleted": it is thrown for the processor to retry.
    await sb.admin('POST', 'faults', { errorRate: 1 });
    try {
      await expect(source.fetch('appointment', `${sb.base}/appointments/1/`)).rejects.toBeInstanceOf(PartnerError);
    } finally {
      await sb.admin('POST', 'faults', { errorRate: 0 });
    }
  });

  it('never calls another host: a URL elsewhere is re-rooted on the configured base', async () => {
    const appt = await sb.call('POST', '/appointments/', appointmentBody(sb.base));
    const path = new URL(appt.body.url).pathname.replace(/^\/oncall/, '');
    const before = (await sb.admin('GET', 'stats')).body.requests.total as number;
    const fetched = (await source.fetch('appointment', `http://10.255.255.1:9${path}`)) as { url: string };
    expect(fetched.url).toBe(appt.body.url);
    expect((await sb.admin('GET', 'stats')).body.requests.total).toBe(before + 1);
  });
});
