import type { Appointment, Bundle } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedWebhookTarget, ONCALL_SIGNATURE_HEADER, signOncallBody } from '../../src/channels/oncall-hook/index.js';
import { IDENTIFIER_SYSTEMS } from '../../src/domain/identifiers.js';
import { DIALECTS } from '../helpers/stores.js';
import { startSyncServer, type SyncServer } from '../helpers/sync-server.js';

/**
 * Issue 9, "Bad input and faults": the same webhook delivered 5 times and out of order. The
 * deliveries are sent by hand (the sandbox's own webhooks are turned off), `appointment_updated`
 * before `appointment_created`, each several times: the EMR ends with one appointment, in the
 * state OnCall holds last, created once.
 */
for (const dialect of DIALECTS) {
  describe(`OnCall webhooks repeated and out of order (${dialect})`, { timeout: 120_000 }, () => {
    let h: SyncServer;
    let emr: string;
    beforeAll(async () => {
      h = await startSyncServer(dialect, { back: true }, { EHR_BRIDGE_ONCALL_SCAN_EVERY: 'off' });
      emr = `${h.server.ctx.engineUrl}/sandbox/fhir-emr`;
    });
    afterAll(async () => {
      await h?.close();
    });

    it('applies five deliveries in any order as one appointment in its last state', async () => {
      const target = embeddedWebhookTarget(h.server.ctx.engineUrl!, {});
      // The sandbox stops sending: this test is the sender.
      h.server.ctx.sandboxWebhooks.set!({ url: null, secret: null });
      const [division] = await h.client.listDivisions();
      const start = new Date(Date.now() + 4 * 86_400_000);
      start.setUTCMinutes(0, 0, 0);
      const appt = await h.client.createAppointment({
        title: 'Review',
        type: 'inperson',
        duration: 20,
        datetime: start.toISOString(),
        division: division!.url,
        participants: [{ name: 'Ida Wells', first_name: 'Ida', last_name: 'Wells', email: 'ida.wells@example.org', fee: 0 }],
      });
      const moved = new Date(start.getTime() + 86_400_000);
      await h.client.patchAppointment(appt.url, { datetime: moved.toISOString() });

      const statsBefore = (await (await fetch(`${emr}/_admin/stats`)).json()) as { requests: { byInteraction: Record<string, number> } };
      const deliver = async (event: string): Promise<number> => {
        const body = JSON.stringify({ event, url: appt.url });
        const res = await fetch(target.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [ONCALL_SIGNATURE_HEADER]: signOncallBody(body, target.secret) },
          body,
        });
        return res.status;
      };
      const statuses = [];
      for (const event of ['appointment_updated', 'appointment_created', 'appointment_updated', 'appointment_created', 'appointment_updated']) statuses.push(await deliver(event));
      expect(statuses).toEqual([202, 202, 202, 202, 202]);
      await h.idle();

      const res = await fetch(`${emr}/Appointment?identifier=${encodeURIComponent(`${IDENTIFIER_SYSTEMS.oncallUrl}|${appt.url}`)}`);
      const found = ((await res.json()) as Bundle).entry?.map((e) => e.resource as Appointment) ?? [];
      expect(found).toHaveLength(1);
      expect(new Date(found[0]!.start!).getTime()).toBe(moved.getTime());
      const after = (await (await fetch(`${emr}/_admin/stats`)).json()) as { requests: { byInteraction: Record<string, number> } };
      // One appointment create and one patient create; the four later deliveries read and compare only.
      expect((after.requests.byInteraction.create ?? 0) - (statsBefore.requests.byInteraction.create ?? 0)).toBe(2);
      expect((after.requests.byInteraction.update ?? 0) - (statsBefore.requests.byInteraction.update ?? 0)).toBe(0);
      const rows = await h.server.ctx.store.db.selectFrom('messages').select('status').where('channel', '=', 'oncall-hook').execute();
      expect(rows.map((r) => r.status)).toEqual(['processed', 'processed', 'processed', 'processed', 'processed']);
    });
  });
}
