import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOncallHookChannel, embeddedWebhookTarget, ONCALL_HOOK_CHANNEL, OncallHookChannel, signOncallBody } from '../../channels/oncall-hook/index.js';
import type { AppointmentCreate } from '../../partners/oncall/schemas.js';
import { appointmentBody } from '../../sandboxes/oncall/test-harness.js';
import { MessageStore } from '../../messages/message-store.js';
import type { AppContext } from '../../server/context.js';
import { DIALECTS } from '../../../test/helpers/stores.js';
import { startSyncServer, type SyncServer } from '../../../test/helpers/sync-server.js';
import { until } from '../../../test/helpers/until.js';
import { installErrorHandler } from '../errors.js';
import { oncallHookRoutes } from './oncall-hook-routes.js';

const SECRET = 'route-test-secret';

/**
 * Issue 9, "Bad input and faults": the webhook receiver of a real engine (embedded OnCall
 * sandbox as the configured account), over real HTTP, on SQLite and PostgreSQL. Processing is
 * off (EHR_BRIDGE_SYNC=off) so the stored rows stay as the receiver left them.
 */
for (const dialect of DIALECTS) {
  describe(`POST /hooks/oncall (${dialect})`, { timeout: 60_000 }, () => {
    let h: SyncServer;
    let channel: OncallHookChannel;
    let messages: MessageStore;
    let base: string;

    beforeAll(async () => {
      const env = { EHR_BRIDGE_SYNC: 'off', ONCALL_WEBHOOK_SECRET: SECRET };
      h = await startSyncServer(dialect, {}, env);
      const ctx = h.server.ctx;
      // The lead registers the channel in setupSync; until then (or in this process) the test does.
      const existing = ctx.sync().channel(ONCALL_HOOK_CHANNEL);
      if (existing instanceof OncallHookChannel) channel = existing;
      else {
        channel = createOncallHookChannel(ctx, { env });
        ctx.sync().addChannel(channel);
        await channel.start();
      }
      messages = new MessageStore(ctx.store.db, ctx.store.dialect);
      base = ctx.oncallTarget().baseUrl;
    });
    afterAll(async () => {
      await h?.close();
    });

    const post = async (body: string, headers: Record<string, string> = {}) => {
      const res = await fetch(`${h.server.ctx.engineUrl}/hooks/oncall`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
    };
    const signed = (body: string) => post(body, { 'x-oncall-signature': signOncallBody(body, SECRET) });
    const rows = async () => (await messages.list({ channel: ONCALL_HOOK_CHANNEL, limit: 500 })).items;
    const sandboxRequests = async () => {
      const res = await fetch(`${base}/_admin/stats/`);
      return ((await res.json()) as { requests: { total: number } }).requests.total;
    };

    it('refuses a missing or wrong signature with 401 and stores nothing', async () => {
      const before = (await rows()).length;
      const rejected = channel.status().rejected;
      const body = JSON.stringify({ event: 'appointment_created', url: `${base}/appointments/1/` });
      expect((await post(body)).status).toBe(401);
      expect((await post(body, { 'x-oncall-signature': signOncallBody(body, 'not-the-secret') })).status).toBe(401);
      expect((await post(body, { 'x-oncall-signature': 'sha256=zz' })).status).toBe(401);
      // Signed, then changed by one byte on the way.
      expect((await post(body.replace('1/', '2/'), { 'x-oncall-signature': signOncallBody(body, SECRET) })).status).toBe(401);
      expect((await rows()).length).toBe(before);
      expect(channel.status().rejected).toBe(rejected + 4);
    });

    it('refuses a body that is not JSON, or lacks url or a known event, with 400 and a field error', async () => {
      const before = (await rows()).length;
      expect(await signed('{"event":')).toMatchObject({ status: 400, body: { error: 'The body is not valid JSON.' } });
      expect(await signed('')).toMatchObject({ status: 400 });
      expect(await signed('[1]')).toMatchObject({ status: 400 });
      expect(await signed(JSON.stringify({ event: 'appointment_created' }))).toMatchObject({ status: 400, body: { fieldErrors: { url: ['required'] } } });
      expect(await signed(JSON.stringify({ event: 'appointment_created', url: 7 }))).toMatchObject({ status: 400, body: { fieldErrors: { url: [expect.any(String)] } } });
      expect(await signed(JSON.stringify({ event: 'contact_created', url: `${base}/appointments/1/` }))).toMatchObject({ status: 400, body: { fieldErrors: { event: [expect.any(String)] } } });
      expect((await rows()).length).toBe(before);
    });

    it('refuses a url outside the configured OnCall account with 422, and never fetches it', async () => {
      const before = (await rows()).length;
      const requests = await sandboxRequests();
      const engine = new URL(base);
      for (const url of [
        'https://api.oncallhealth.ca/appointments/1/',
        `${engine.origin}/sandbox/fhir-emr/Appointment/1`,
        `${base}/contacts/1/`,
        `${base}/appointments/1/?next=http://169.254.169.254/`,
        `${base}/appointments/../../../api/messages`,
        `http://admin:pw@${engine.host}/sandbox/oncall/appointments/1/`,
      ]) {
        expect(await signed(JSON.stringify({ event: 'appointment_updated', url })), url).toMatchObject({
          status: 422,
          body: { error: 'The url is not an appointment of the configured OnCall account.' },
        });
      }
      expect((await rows()).length).toBe(before);
      // The sandbox saw only this test's own two stats reads: nothing was fetched by the receiver.
      expect(await sandboxRequests()).toBe(requests);
    });

    it('stores a good delivery before answering 202: status received, keyed by the canonical appointment URL', async () => {
      const requests = await sandboxRequests();
      const body = JSON.stringify({ event: 'appointment_created', url: `${base.replace('127.0.0.1', 'localhost')}/appointments/41` });
      const res = await signed(body);
      expect(res).toMatchObject({ status: 202, body: { status: 'stored', messageId: expect.any(Number) } });
      const row = (await rows()).find((m) => m.id === res.body?.messageId);
      expect(row).toMatchObject({ status: 'received', channel: ONCALL_HOOK_CHANNEL, messageType: 'WEBHOOK', event: 'appointment_created', sendingApplication: 'oncall' });
      expect(row?.patientIds).toEqual([`oncall:${base}/appointments/41/`]);
      const detail = await messages.get(res.body?.messageId as number);
      expect(detail?.raw.toString()).toBe(body);
      // Taking a webhook in calls nobody: the GET is the processor's.
      expect(await sandboxRequests()).toBe(requests);
    });

    it('stores each of 5 identical deliveries (sent at once) as its own row', async () => {
      const body = JSON.stringify({ event: 'appointment_updated', url: `${base}/appointments/42/` });
      const answers = await Promise.all(Array.from({ length: 5 }, () => signed(body)));
      expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202]);
      const mine = (await rows()).filter((m) => m.patientIds.includes(`oncall:${base}/appointments/42/`));
      expect(mine).toHaveLength(5);
      expect(new Set(mine.map((m) => m.controlId)).size).toBe(5);
      expect(mine.every((m) => m.status === 'received')).toBe(true);
    });

    it('refuses a body over 64 KiB with 413 and stores nothing', async () => {
      const before = (await rows()).length;
      const big = JSON.stringify({ event: 'appointment_created', url: `${base}/appointments/1/`, pad: 'x'.repeat(70 * 1024) });
      expect((await signed(big)).status).toBe(413);
      expect((await rows()).length).toBe(before);
    });

    it('the embedded sandbox, pointed at embeddedWebhookTarget, delivers a signed webhook that is stored', async () => {
      const target = embeddedWebhookTarget(h.server.ctx.engineUrl as string, { ONCALL_WEBHOOK_SECRET: SECRET });
      const set = await fetch(`${base}/_admin/webhooks/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(target) });
      expect(set.status).toBe(200);
      const created = await h.client.createAppointment(appointmentBody(base) as AppointmentCreate);
      const row = await until(async () => (await rows()).find((m) => m.patientIds.includes(`oncall:${created.url}`)), 10_000, 'the webhook row');
      expect(row).toMatchObject({ status: 'received', event: 'appointment_created' });
      // Updating it in OnCall sends appointment_updated for the same key.
      await h.client.patchAppointment(created.url, { title: 'Moved' });
      await until(async () => (await rows()).find((m) => m.patientIds.includes(`oncall:${created.url}`) && m.event === 'appointment_updated'), 10_000, 'the update row');
      await fetch(`${base}/_admin/webhooks/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: null }) });
    });

    it('shows on the Sync status as a channel', async () => {
      const s = (await h.server.ctx.sync().status()).channels.find((c) => c.name === ONCALL_HOOK_CHANNEL);
      expect(s).toMatchObject({ kind: 'OnCall Health webhooks', state: 'running', detail: expect.stringContaining('/hooks/oncall') });
      expect(s?.received).toBeGreaterThanOrEqual(6);
    });
  });
}

describe('POST /hooks/oncall without the channel (sync off in this process)', () => {
  it('answers 503 with Retry-After, the same for every delivery', async () => {
    const ctx = { sync: () => ({ channel: () => undefined }) } as unknown as AppContext;
    const app = Fastify();
    installErrorHandler(app);
    await app.register(oncallHookRoutes, { ctx, path: '/hooks/oncall' });
    try {
      for (const payload of ['{}', 'not json', JSON.stringify({ event: 'appointment_created', url: 'https://x/appointments/1/' })]) {
        const res = await app.inject({ method: 'POST', url: '/hooks/oncall', headers: { 'content-type': 'application/json' }, payload });
        expect(res.statusCode).toBe(503);
        expect(res.headers['retry-after']).toBe('60');
      }
    } finally {
      await app.close();
    }
  });
});
