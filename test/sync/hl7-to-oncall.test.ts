import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MllpConnection } from '../../src/mllp/client.js';
import type { RunningServer } from '../../src/server/start.js';
import type { OncallClient } from '../../src/partners/oncall/client.js';
import { LinkStore } from '../../src/links/link-store.js';
import { MessageStore } from '../../src/messages/message-store.js';
import { DIALECTS } from '../helpers/stores.js';
import { startSyncServer, type SyncServer } from '../helpers/sync-server.js';
import { until } from '../helpers/until.js';

/**
 * Issue 8, end to end: ADT and SIU sent over MLLP to `serve`'s listener reach the embedded
 * OnCall sandbox: contacts in the first division with the EMR id in custom field 1, updates only
 * when a field OnCall holds changed, participants patched, appointments created, rescheduled,
 * cancelled and marked no-show, merges marking the retired contact.
 */
const seg = (...s: string[]) => Buffer.from(s.join('\r') + '\r', 'utf8');
let n = 0;
const msh = (type: string) => `MSH|^~\\&|EMR|CLINIC|EHRB|EHRB|20261201120000||${type}|CTL${Date.now()}${++n}|P|2.5.1`;
const pid = (id: string, family: string, given: string, email: string, street = '1 Main St') =>
  `PID|1||${id}^^^EMR^MR||${family}^${given}||19800101|F|||${street}^^Springfield^IL^62701||^PRN^PH^^^555^1234567~^NET^Internet^${email}`;
const adt = (event: string, p: string) => seg(msh(`ADT^${event}^ADT_A01`), `EVN|${event}|20261201120000`, p, 'PV1|1|O');
const siu = (event: string, apptId: string, start: string, p: string, status = 'Booked') =>
  seg(
    msh(`SIU^${event}^SIU_S12`),
    `SCH|${apptId}|${apptId}||||||||30|min|^^30^${start}|||||||||||||||${status}`,
    `TQ1|||||||${start}||A`,
    p,
    'RGS|1',
    `AIS|1||VISIT^Video visit|${start}|||30|min`,
  );

for (const dialect of DIALECTS) {
  describe(`HL7 v2 over MLLP to OnCall (${dialect})`, { timeout: 120_000 }, () => {
    let h: SyncServer;
    let server: RunningServer;
    let conn: MllpConnection;
    let client: OncallClient;

    beforeAll(async () => {
      h = await startSyncServer(dialect, { mllp: { port: 0 } });
      ({ server, client } = h);
      conn = new MllpConnection({ host: '127.0.0.1', port: server.sync.mllp!.port()!, connectTimeoutMs: 5000, ackTimeoutMs: 10_000 });
    });
    afterAll(async () => {
      conn?.close();
      await h?.close();
    });

    const send = async (m: Buffer) => {
      const ack = (await conn.send(m)).toString('utf8');
      expect(ack).toMatch(/MSA\|AA\|/);
    };
    const settled = () =>
      until(async () => {
        const s = await server.ctx.sync().status();
        return s.processing.waiting === 0 ? s : undefined;
      }, 20_000);
    const contactOf = async (emrId: string) => {
      for await (const c of client.contacts()) if (c.custom_field_values?.['1'] === emrId) return c;
      return undefined;
    };
    const stats = async () => (await (await fetch(`${server.ctx.engineUrl}/sandbox/oncall/_admin/stats`)).json()) as { requests: Record<string, number> };

    it('creates the contact, skips an update OnCall does not hold, patches one it does', async () => {
      const id = `S${dialect}1`;
      await send(adt('A04', pid(id, 'Rivera', 'Ana', 'ana@example.org')));
      await settled();
      const c = await contactOf(id);
      expect(c).toMatchObject({ first_name: 'Ana', last_name: 'Rivera', email: 'ana@example.org', date_of_birth: '1980-01-01' });
      expect(c!.division).toMatch(/\/divisions\/1\/$/);

      const before = await stats();
      // Only the address changed: OnCall holds no address, so no call at all.
      await send(adt('A08', pid(id, 'Rivera', 'Ana', 'ana@example.org', '9 Elm St')));
      await settled();
      const after = await stats();
      expect(after.requests).toEqual(before.requests);

      await send(adt('A08', pid(id, 'Rivera-Lopez', 'Ana', 'ana@example.org')));
      await settled();
      expect((await contactOf(id))!.last_name).toBe('Rivera-Lopez');
      const page = await server.ctx.sync().status();
      expect(page.processing.failed).toBe(0);
    });

    it('books, reschedules, renames the participant, cancels; no-show is recorded', async () => {
      const id = `S${dialect}2`;
      const appt = `A${dialect}2`;
      await send(adt('A04', pid(id, 'Chen', 'Li', 'li@example.org')));
      await send(siu('S12', appt, '20271201090000', pid(id, 'Chen', 'Li', 'li@example.org')));
      await settled();
      const links = new LinkStore(server.ctx.store.db);
      const link = await links.find('appointment', { system: 'emr', id: appt }, 'oncall');
      expect(link).toBeDefined();
      let a = await client.getAppointment(link!.targetId);
      expect(a).toMatchObject({ duration: 30, metadata: { emr_id: appt, patient_emr_id: id } });
      expect(Date.parse(a.datetime!)).toBe(Date.parse('2027-12-01T09:00:00Z'));

      await send(siu('S13', appt, '20271201100000', pid(id, 'Chen', 'Li', 'li@example.org')));
      await settled();
      a = await client.getAppointment(link!.targetId);
      expect(Date.parse(a.datetime!)).toBe(Date.parse('2027-12-01T10:00:00Z'));

      // The patient's new e-mail reaches the participant of the upcoming appointment.
      await send(adt('A08', pid(id, 'Chen', 'Li', 'li.chen@example.org')));
      await settled();
      a = await client.getAppointment(link!.targetId);
      expect(a.participants?.[0]?.email).toBe('li.chen@example.org');

      await send(siu('S26', appt, '20271201100000', pid(id, 'Chen', 'Li', 'li.chen@example.org'), 'Noshow'));
      await settled();
      a = await client.getAppointment(link!.targetId);
      expect(a.metadata?.noshow).toBe(true);

      await send(siu('S15', appt, '20271201100000', pid(id, 'Chen', 'Li', 'li.chen@example.org'), 'Cancelled'));
      await settled();
      a = await client.getAppointment(link!.targetId);
      expect(a.cancelled).toBe(true);
    });

    it('a resent message (lost ACK) is applied once; a merge marks the retired contact', async () => {
      const keep = `S${dialect}3`;
      const gone = `S${dialect}4`;
      await send(adt('A04', pid(keep, 'Okafor', 'Ngozi', 'ngozi@example.org')));
      const copy = adt('A04', pid(gone, 'Okafor', 'N', 'n.okafor@example.org'));
      await send(copy);
      await send(copy);
      await settled();
      let count = 0;
      for await (const c of client.contacts()) if (c.custom_field_values?.['1'] === gone) count++;
      expect(count).toBe(1);

      const merge = seg(msh('ADT^A40^ADT_A39'), 'EVN|A40|20261201120000', pid(keep, 'Okafor', 'Ngozi', 'ngozi@example.org'), `MRG|${gone}^^^EMR^MR`);
      await send(merge);
      await settled();
      expect((await contactOf(gone))!.notes).toMatch(/Merged into EMR patient/);
      const list = await new MessageStore(server.ctx.store.db, server.ctx.store.dialect).list({ patientId: gone });
      // The A04 (stored once, received twice) and the A40, both applied.
      expect(list.items.map((m) => [m.event, m.status, m.timesReceived])).toEqual([
        ['A40', 'processed', 1],
        ['A04', 'processed', 2],
      ]);
    });
  });
}
