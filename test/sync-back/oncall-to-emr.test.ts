import type { Appointment, Bundle, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDENTIFIER_SYSTEMS } from '../../src/domain/identifiers.js';
import type { Appointment as OncallAppointment, Contact } from '../../src/partners/oncall/schemas.js';
import { DIALECTS } from '../helpers/stores.js';
import { startSyncServer, type SyncServer } from '../helpers/sync-server.js';
import { until } from '../helpers/until.js';

/**
 * Issue 9, "Done when", end to end in the embedded engine (what `npm start` runs): an
 * appointment booked in the OnCall sandbox reaches the sandbox FHIR EMR through the sandbox's
 * own webhooks, once, with its participant URLs; a reschedule and a cancellation follow; a
 * contact made in OnCall reaches the EMR at the next scan; a resent webhook writes nothing.
 */
for (const dialect of DIALECTS) {
  describe(`OnCall to the FHIR EMR (${dialect})`, { timeout: 180_000 }, () => {
    let h: SyncServer;
    let emr: string;

    beforeAll(async () => {
      h = await startSyncServer(dialect, { back: true }, { EHR_BRIDGE_ONCALL_SCAN_EVERY: 'off' });
      emr = `${h.server.ctx.engineUrl}/sandbox/fhir-emr`;
    });
    afterAll(async () => {
      await h?.close();
    });

    const search = async <T>(type: string, value: string, system: string = IDENTIFIER_SYSTEMS.oncallUrl): Promise<T[]> => {
      const res = await fetch(`${emr}/${type}?identifier=${encodeURIComponent(`${system}|${value}`)}`);
      expect(res.status).toBe(200);
      const bundle = (await res.json()) as Bundle;
      return (bundle.entry ?? []).map((e) => e.resource as T);
    };
    const emrWrites = async (): Promise<number> => {
      const { requests } = (await (await fetch(`${emr}/_admin/stats`)).json()) as { requests: { byInteraction: Record<string, number> } };
      return (requests.byInteraction.create ?? 0) + (requests.byInteraction.update ?? 0);
    };

    it('books, reschedules and cancels an OnCall appointment in the EMR, once, with the participant URLs', async () => {
      const [division] = await h.client.listDivisions();
      const start = new Date(Date.now() + 5 * 86_400_000);
      start.setUTCMinutes(0, 0, 0);
      const appt: OncallAppointment = await h.client.createAppointment({
        title: 'Follow-up',
        type: 'online',
        duration: 30,
        datetime: start.toISOString(),
        division: division!.url,
        participants: [{ name: 'Grace Hopper', first_name: 'Grace', last_name: 'Hopper', email: 'grace.hopper@example.org', fee: 0 }],
      });

      const [booked] = await until(async () => {
        const found = await search<Appointment>('Appointment', appt.url);
        return found.length ? found : undefined;
      }, 30_000, 'the appointment in the EMR');
      expect(booked!.status).toBe('booked');
      expect(new Date(booked!.start!).getTime()).toBe(start.getTime());
      const participantUrl = appt.participants![0]!.url;
      expect(JSON.stringify(booked!.identifier)).toContain(participantUrl);
      // The participant became (or was matched to) an EMR patient the appointment points at.
      const patientRef = booked!.participant.map((p) => p.actor?.reference).find((r) => r?.startsWith('Patient/'));
      expect(patientRef).toBeDefined();

      // A webhook delivered again for the same state: the engine reads, compares, writes nothing.
      await h.idle();
      const before = await emrWrites();
      const hooksBefore = h.server.sync.hook!.status().received;
      await h.client.patchAppointment(appt.url, { title: 'Follow-up (same time)' });
      await until(async () => (h.server.sync.hook!.status().received > hooksBefore ? true : undefined), 30_000, 'the webhook of the title change');
      await h.idle();
      // The title is nothing the EMR holds: the appointment_updated webhook makes no EMR write.
      expect((await emrWrites()) - before).toBe(0);

      const later = new Date(start.getTime() + 2 * 3_600_000);
      await h.client.patchAppointment(appt.url, { datetime: later.toISOString() });
      await until(async () => {
        const [a] = await search<Appointment>('Appointment', appt.url);
        return a && new Date(a.start!).getTime() === later.getTime() ? a : undefined;
      }, 30_000, 'the new time in the EMR');

      await h.client.patchAppointment(appt.url, { cancelled: true });
      await until(async () => {
        const [a] = await search<Appointment>('Appointment', appt.url);
        return a?.status === 'cancelled' ? a : undefined;
      }, 30_000, 'the cancellation in the EMR');
      expect(await search<Appointment>('Appointment', appt.url)).toHaveLength(1);
    });

    it('creates an OnCall contact in the EMR at the next scan, once', async () => {
      const [division] = await h.client.listDivisions();
      const [provider] = await h.client.listProviders();
      const contact: Contact = await h.client.createContact({
        name: 'Katherine Johnson',
        first_name: 'Katherine',
        last_name: 'Johnson',
        email: 'katherine.johnson@example.org',
        date_of_birth: '1918-08-26',
        division: division!.url,
        provider: provider!.url,
      } as never);
      const scan = h.server.sync.scan!;
      await scan.scan('contacts');
      const [patient] = await until(async () => {
        const found = await search<Patient>('Patient', contact.url);
        return found.length ? found : undefined;
      }, 30_000, 'the patient in the EMR');
      expect(patient!.name?.[0]?.family).toBe('Johnson');
      expect(patient!.birthDate).toBe('1918-08-26');

      // A second scan with nothing changed stores nothing and creates nothing.
      await h.idle();
      await scan.scan('contacts');
      await h.idle();
      expect(await search<Patient>('Patient', contact.url)).toHaveLength(1);
    });
  });
}

/**
 * The HL7 route of the same "Done when": with EHR_BRIDGE_EMR_WRITE=hl7 and no address, the
 * embedded EHR receiver sandbox plays the HL7 EMR; the booking arrives there as one SIU^S12 and
 * the cancellation as an S15. One dialect: the store is the same code on both (above).
 */
describe('OnCall to an HL7 EMR (sqlite)', { timeout: 180_000 }, () => {
  let h: SyncServer;
  beforeAll(async () => {
    h = await startSyncServer('sqlite', { back: true }, { EHR_BRIDGE_ONCALL_SCAN_EVERY: 'off', EHR_BRIDGE_EMR_WRITE: 'hl7' });
  });
  afterAll(async () => {
    await h?.close();
  });

  const received = async (type: string): Promise<Array<{ controlId: string | null; rawElided: string }>> => {
    const res = await fetch(`${h.server.ctx.engineUrl}/sandbox/ehr/_admin/received?type=${encodeURIComponent(type)}`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: Array<{ controlId: string | null; rawElided: string }> }).items;
  };

  it('sends an SIU^S12 once for a booking and an S15 for its cancellation', async () => {
    const [division] = await h.client.listDivisions();
    const start = new Date(Date.now() + 3 * 86_400_000);
    start.setUTCMinutes(30, 0, 0);
    const appt = await h.client.createAppointment({
      title: 'Check-in',
      type: 'phone',
      duration: 15,
      datetime: start.toISOString(),
      division: division!.url,
      participants: [{ name: 'Alan Turing', first_name: 'Alan', last_name: 'Turing', email: 'alan.turing@example.org', fee: 0 }],
    });
    const [s12] = await until(async () => {
      const items = await received('SIU^S12');
      return items.length ? items : undefined;
    }, 30_000, 'the SIU^S12 at the HL7 EMR');
    expect(s12!.rawElided).toContain('Turing');
    await h.idle();
    expect(await received('SIU^S12')).toHaveLength(1);

    await h.client.patchAppointment(appt.url, { cancelled: true });
    await until(async () => ((await received('SIU^S15')).length === 1 ? true : undefined), 30_000, 'the SIU^S15');
    await h.idle();
    expect(await received('SIU^S12')).toHaveLength(1);
  });
});
