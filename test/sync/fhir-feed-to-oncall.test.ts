import type { Appointment, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/start.js';
import type { OncallClient } from '../../src/partners/oncall/client.js';
import { DIALECTS } from '../helpers/stores.js';
import { startSyncServer, type SyncServer } from '../helpers/sync-server.js';
import { until } from '../helpers/until.js';

/**
 * Issue 8, source 2, end to end: a Patient and an Appointment written to the (sandbox) FHIR EMR
 * reach OnCall through the change feed; a change OnCall does not hold makes no call; a changed
 * e-mail is PATCHed; a cancelled appointment is cancelled.
 */
for (const dialect of DIALECTS) {
  describe(`FHIR change feed to OnCall (${dialect})`, { timeout: 180_000 }, () => {
    let h: SyncServer;
    let server: RunningServer;
    let client: OncallClient;
    let emr: string;

    beforeAll(async () => {
      h = await startSyncServer(dialect, { fhirFeed: true }, { EHR_BRIDGE_FHIR_FEED_INTERVAL_SECONDS: '0.5' });
      ({ server, client } = h);
      emr = `${server.ctx.engineUrl}/sandbox/fhir-emr`;
    });
    afterAll(async () => {
      await h?.close();
    });

    const write = async <T>(method: string, path: string, body: unknown): Promise<T> => {
      const res = await fetch(`${emr}/${path}`, { method, headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(body) });
      expect(res.status, `${method} ${path}`).toBeLessThan(300);
      return (await res.json()) as T;
    };
    const contactOf = async (emrId: string) => {
      for await (const c of client.contacts({ email: undefined })) if (c.custom_field_values?.['1'] === emrId) return c;
      return undefined;
    };
    const requests = async () => ((await (await fetch(`${server.ctx.engineUrl}/sandbox/oncall/_admin/stats/`)).json()) as { requests: { total: number } }).requests.total;
    const idle = () =>
      until(async () => {
        const s = await server.ctx.sync().status();
        return s.processing.waiting === 0 ? s : undefined;
      }, 30_000);

    it('creates, skips an irrelevant change, patches a relevant one, books and cancels', async () => {
      const p = await write<Patient>('POST', 'Patient', {
        resourceType: 'Patient',
        name: [{ family: 'Moreau', given: ['Elise'] }],
        telecom: [{ system: 'email', value: 'elise@example.org' }],
        birthDate: '1975-05-04',
        gender: 'female',
        address: [{ city: 'Lyon' }],
      });
      const c = await until(() => contactOf(p.id!), 30_000, 'the contact');
      expect(c).toMatchObject({ first_name: 'Elise', last_name: 'Moreau', email: 'elise@example.org', date_of_birth: '1975-05-04' });

      await idle();
      const before = await requests();
      const moved = await write<Patient>('PUT', `Patient/${p.id}`, { ...p, address: [{ city: 'Paris' }] });
      await until(async () => {
        const rows = await server.ctx.store.db.selectFrom('messages').select('status').where('control_id', '=', `Patient/${p.id}/_history/${moved.meta!.versionId}`).execute();
        return rows[0]?.status === 'processed';
      }, 30_000, 'the address change processed');
      // The city is nothing OnCall holds: no call at all.
      expect((await requests()) - before).toBe(0);

      await write<Patient>('PUT', `Patient/${p.id}`, { ...moved, telecom: [{ system: 'email', value: 'elise.m@example.org' }] });
      await until(async () => ((await contactOf(p.id!))?.email === 'elise.m@example.org' ? true : undefined), 30_000, 'the new e-mail');
      // The counter does count: the e-mail change took a read and a PATCH (and our own listings).
      expect((await requests()) - before).toBeGreaterThanOrEqual(2);

      const start = new Date(Date.now() + 7 * 86_400_000);
      start.setUTCMinutes(0, 0, 0);
      const a = await write<Appointment>('POST', 'Appointment', {
        resourceType: 'Appointment',
        status: 'booked',
        start: start.toISOString(),
        end: new Date(start.getTime() + 20 * 60_000).toISOString(),
        participant: [{ actor: { reference: `Patient/${p.id}` }, status: 'accepted' }],
      });
      const booked = await until(async () => {
        for await (const x of client.appointments()) if (x.metadata?.emr_id === a.id) return x;
        return undefined;
      }, 30_000, 'the appointment');
      expect(booked).toMatchObject({ duration: 20, metadata: { patient_emr_id: p.id } });
      expect(Date.parse(booked.datetime!)).toBe(start.getTime());

      await write<Appointment>('PUT', `Appointment/${a.id}`, { ...a, status: 'cancelled' });
      await until(async () => ((await client.getAppointment(booked.url)).cancelled ? true : undefined), 30_000, 'the cancellation');
    });
  });
}
