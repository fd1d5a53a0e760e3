import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testStore, type TestStore } from '../../../../../test/helpers/stores.js';
import { EffectStore } from '../../../../effects/effect-store.js';
import { LinkStore } from '../../../../links/link-store.js';
import { Hl7EmrWriter } from '../../../../partners/hl7-emr/index.js';
import { OncallClient } from '../../../../partners/oncall/client.js';
import { ehrSandbox, getEhrSandboxInfo } from '../../../../sandboxes/ehr/index.js';
import { DEFAULT_ONCALL_SANDBOX_API_KEY } from '../../../../sandboxes/oncall/plugin.js';
import { appointmentBody, contactBody, startSandbox, type RunningSandbox } from '../../../../sandboxes/oncall/test-harness.js';
import { OncallPlatformSource } from '../../sources/oncall/oncall-platform-source.js';
import type { PlatformRecordEvent } from '../../platform-events.js';
import { Trace } from '../../trace.js';
import { EmrTarget } from './emr-target.js';
import { emrTargetSettings } from './settings.js';

/**
 * The EMR target writing to an HL7 v2 EMR (the EHR receiver sandbox over real MLLP), which cannot
 * be read back: links and hashes alone decide. ADT^A04 once per contact, SIU^S12 once per
 * appointment, S13 on a move, S15 on a cancellation, nothing for a repeat.
 */
for (const dialect of DIALECTS) {
  describe(`EMR target: OnCall -> HL7 EMR (${dialect})`, { timeout: 120_000 }, () => {
    let oncall: RunningSandbox;
    let ehr: FastifyInstance;
    let store: TestStore;
    let client: OncallClient;
    let writer: Hl7EmrWriter;
    let target: EmrTarget;
    let messageId = 1;

    beforeAll(async () => {
      oncall = await startSandbox({}, '/oncall');
      ehr = Fastify();
      await ehr.register(ehrSandbox, { prefix: '/sandbox/ehr' });
      await ehr.ready();
      store = await testStore(dialect);
      client = new OncallClient({ baseUrl: oncall.base, apiKey: DEFAULT_ONCALL_SANDBOX_API_KEY, requestsPerSecond: 0, maxRetries: 0, timeoutMs: 5000 });
      writer = new Hl7EmrWriter({ host: '127.0.0.1', port: getEhrSandboxInfo(ehr).mllpPort, timeoutMs: 3000 });
      target = new EmrTarget({
        source: new OncallPlatformSource({ client: () => client, emrIdField: '1', emrIdMetadataKey: 'emr_id' }),
        writer,
        links: new LinkStore(store.db),
        effects: new EffectStore(store.db),
        db: store.db,
        settings: emrTargetSettings({}),
        settleMs: 0,
      });
    });
    afterAll(async () => {
      await writer?.close();
      await client?.close();
      await ehr?.close();
      await oncall?.close();
      await store?.dispose();
    });

    const run = async (ev: Omit<PlatformRecordEvent, 'type' | 'system' | 'via'>) => {
      const trace = new Trace();
      await target.record({ type: 'platform-record', system: 'oncall', via: 'scan', ...ev }, { messageId: messageId++, trace });
      return trace.entries.filter((e) => e.kind === 'decision').map((e) => String(e.detail.summary));
    };
    const received = async (): Promise<string[]> => {
      const res = await ehr.inject({ method: 'GET', url: '/sandbox/ehr/_admin/received?limit=500' });
      return (res.json() as { items: Array<{ messageType: string | null; accepted: boolean }> }).items
        .reverse()
        .filter((i) => i.accepted)
        .map((i) => String(i.messageType));
    };

    it('a contact: ADT^A04 once; an EMR-owned change is reported with no A08', async () => {
      const before = (await received()).length;
      const c = (await oncall.call('POST', '/contacts/', contactBody(oncall.base, { name: 'Lea Vogel', first_name: 'Lea', last_name: 'Vogel', email: 'lea@example.org', date_of_birth: '1992-10-11' }))).body as { url: string };
      expect(await run({ kind: 'patient', id: c.url })).toEqual(['EMR patient created from the OnCall contact']);
      expect(await run({ kind: 'patient', id: c.url })).toEqual(['Nothing the EMR holds changed: no write']);
      await oncall.call('PATCH', new URL(c.url).pathname.replace(/^\/oncall/, ''), { email: 'lea.v@example.org' });
      const changed = await run({ kind: 'patient', id: c.url });
      expect(changed).toHaveLength(1);
      expect(changed[0]).toMatch(/^OnCall changed the patient, which the EMR owns: not written/);
      expect(await run({ kind: 'patient', id: c.url })).toEqual(['Nothing the EMR holds changed: no write']);
      expect((await received()).slice(before)).toEqual(['ADT^A04']);
    });

    it('an appointment: A04 for its new participant, SIU^S12 once, S13 on a move, S15 on a cancellation', async () => {
      const before = (await received()).length;
      const booked = await oncall.call('POST', '/appointments/', appointmentBody(oncall.base, {
        datetime: '2033-01-02T08:00:00Z',
        participants: [{ name: 'Omar Haddad', first_name: 'Omar', last_name: 'Haddad', email: 'omar@example.org', fee: 0 }],
      }));
      const url = booked.body.url as string;
      expect(await run({ kind: 'appointment', id: url })).toEqual(['EMR patient created from the OnCall participant', 'EMR appointment created with 1 patient(s)']);
      expect((await run({ kind: 'appointment', id: url }))[0]).toBe('Nothing the EMR holds changed: no write');
      const path = new URL(url).pathname.replace(/^\/oncall/, '');
      await oncall.call('PATCH', path, { datetime: '2033-01-03T08:00:00Z' });
      expect((await run({ kind: 'appointment', id: url }))[0]).toBe('EMR appointment rescheduled (SIU^S13)');
      await oncall.call('PATCH', path, { cancelled: true });
      expect((await run({ kind: 'appointment', id: url }))[0]).toBe('EMR appointment cancelled (SIU^S15)');
      expect((await received()).slice(before)).toEqual(['ADT^A04', 'SIU^S12', 'SIU^S13', 'SIU^S15']);
    });
  });
}
