import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MllpConnection } from '../../src/mllp/client.js';
import { OncallClient } from '../../src/partners/oncall/client.js';
import { checkOncall, generateFeed, type FeedMessage } from '../../src/sandboxes/emr-feed/index.js';
import { spawnCli, startSandboxProcess, type Spawned } from '../helpers/processes.js';
import { until } from '../helpers/until.js';
import { createPgDatabase, DIALECTS } from '../helpers/stores.js';

/**
 * Issue 8, "bad input and faults": kill -9 of the engine in the middle of a feed, then a restart:
 * every ACKed message is applied exactly once, and what was not ACKed is resent by the sender;
 * and OnCall at 20 % errors, 5 % timeouts and a rate limit. The OnCall sandbox runs in its own
 * process, so its state survives the engine's death. The full 10,000-message kill run:
 * EHR_BRIDGE_TEST_KILL_FEED=10000.
 */
const FEED = Number(process.env.EHR_BRIDGE_TEST_KILL_FEED ?? 600);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Sends in order; a message without an ACK (engine down) is sent again, same bytes, until ACKed. */
async function sendAll(messages: readonly FeedMessage[], port: number, onSent: (i: number) => Promise<void>): Promise<{ resent: number }> {
  let conn = new MllpConnection({ host: '127.0.0.1', port, connectTimeoutMs: 2000, ackTimeoutMs: 10_000 });
  let resent = 0;
  for (let i = 0; i < messages.length; i++) {
    for (let attempt = 0; ; attempt++) {
      try {
        const ack = (await conn.send(messages[i]!.raw)).toString('latin1');
        expect(ack).toMatch(/MSA\|AA\|/);
        break;
      } catch {
        if (attempt > 200) throw new Error(`message ${i}: no ACK after ${attempt} tries`);
        resent++;
        conn.close();
        await new Promise((r) => setTimeout(r, 250));
        conn = new MllpConnection({ host: '127.0.0.1', port, connectTimeoutMs: 2000, ackTimeoutMs: 10_000 });
      }
    }
    await onSent(i);
  }
  conn.close();
  return { resent };
}

async function duplicates(client: OncallClient): Promise<string[]> {
  const out: string[] = [];
  const contacts = new Map<string, number>();
  for await (const c of client.contacts()) {
    const id = c.custom_field_values?.['1'];
    if (typeof id === 'string') contacts.set(id, (contacts.get(id) ?? 0) + 1);
  }
  const appts = new Map<string, number>();
  for await (const a of client.appointments()) {
    const id = a.metadata?.emr_id;
    if (typeof id === 'string') appts.set(id, (appts.get(id) ?? 0) + 1);
  }
  for (const [id, n] of contacts) if (n > 1) out.push(`contact ${id} x${n}`);
  for (const [id, n] of appts) if (n > 1) out.push(`appointment ${id} x${n}`);
  return out;
}

for (const dialect of DIALECTS) {
  describe(`sync survives kill -9 and partner faults (${dialect})`, { timeout: 900_000 }, () => {
    const procs: Spawned[] = [];
    let dir: string;
    let sandbox: { proc: Spawned; base: string };
    let client: OncallClient;
    let databaseUrl: string;
    let drop: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'ehrb-kill-sync-'));
      sandbox = await startSandboxProcess();
      procs.push(sandbox.proc);
      client = new OncallClient({ baseUrl: `${sandbox.base}/oncall`, apiKey: 'oncall-sandbox-key', concurrency: 4, requestsPerSecond: 0, timeoutMs: 10_000, maxRetries: 4 });
    });
    afterEach(async () => {
      for (const p of procs.splice(1)) {
        p.child.kill('SIGKILL');
        await p.exited();
      }
      await drop?.();
      drop = undefined;
    });
    afterAll(async () => {
      await client?.close();
      for (const p of procs) {
        p.child.kill('SIGKILL');
        await p.exited();
      }
      rmSync(dir, { recursive: true, force: true });
    });

    const admin = (path: string, body: unknown) =>
      fetch(`${sandbox.base}/oncall/_admin/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    async function database(name: string): Promise<string> {
      if (dialect === 'sqlite') return join(dir, `${name}.sqlite`);
      const pg = await createPgDatabase();
      drop = pg.drop;
      return pg.url;
    }

    function serve(mllpPort: number, extra: Record<string, string> = {}): Spawned {
      const p = spawnCli(['serve'], {
        EHR_BRIDGE_DATABASE_URL: databaseUrl,
        ONCALL_BASE_URL: `${sandbox.base}/oncall`,
        ONCALL_API_KEY: 'oncall-sandbox-key',
        ONCALL_REQUESTS_PER_SECOND: '0',
        EHR_BRIDGE_SANDBOXES: 'false',
        EHR_BRIDGE_EHR_MLLP_PORT: '0',
        EHR_BRIDGE_MLLP_PORT: String(mllpPort),
        PORT: '0',
        ...extra,
      });
      procs.push(p);
      return p;
    }

    async function settled(p: Spawned, expected: number): Promise<void> {
      // The engine's own view: every message processed (none waiting, none failed).
      const { MessageStore } = await import('../../src/messages/message-store.js');
      const { openStore } = await import('../../src/store/db.js');
      const store = openStore(databaseUrl);
      try {
        await until(
          async () => {
            const counts = await store.db.selectFrom('messages').select(['status']).select((eb) => eb.fn.countAll<string | number>().as('n')).groupBy('status').execute();
            const by = Object.fromEntries(counts.map((c) => [c.status, Number(c.n)]));
            return (by.processed ?? 0) + (by.failed ?? 0) >= expected && !by.received ? by : undefined;
          },
          600_000,
          'every message processed',
          500,
        );
        const failed = await new MessageStore(store.db, store.dialect).list({ status: 'failed' });
        expect(failed.items.map((m) => `${m.messageType}^${m.event}: ${m.error}`)).toEqual([]);
      } finally {
        await store.close();
      }
      void p;
    }

    it(`kill -9 in the middle of a ${FEED}-message feed, restart: every message applied once`, async () => {
      await admin('reset', {});
      await admin('faults', { latencyMs: 10 });
      databaseUrl = await database('kill');
      const port = await freePort();
      let engine = serve(port);
      await engine.waitFor(/HL7 inbound\s+MLLP/, 60_000);
      const feed = generateFeed({ count: FEED, patients: Math.max(20, Math.round(FEED / 8)), seed: `kill-${dialect}`, now: new Date() });
      const killAt = new Set([Math.floor(FEED * 0.35), Math.floor(FEED * 0.7)]);
      const { resent } = await sendAll(feed.messages, port, async (i) => {
        if (!killAt.has(i)) return;
        engine.child.kill('SIGKILL');
        await engine.exited();
        engine = serve(port);
        await engine.waitFor(/HL7 inbound\s+MLLP/, 60_000);
      });
      await settled(engine, FEED);
      expect(await duplicates(client)).toEqual([]);
      expect(await checkOncall(feed.expectation, client)).toEqual([]);
      expect(resent).toBeGreaterThanOrEqual(0);
    });

    it('OnCall at 20 % errors, 5 % timeouts and a rate limit: the feed still ends as predicted, nothing duplicated', async () => {
      await admin('reset', {});
      await admin('faults', { errorRate: 0.2, timeoutRate: 0.05, rateLimitPerSecond: 40, latencyMs: 5 });
      databaseUrl = await database('faults');
      const port = await freePort();
      const engine = serve(port, { ONCALL_TIMEOUT_MS: '1500', ONCALL_MAX_RETRIES: '8' });
      await engine.waitFor(/HL7 inbound\s+MLLP/, 60_000);
      const feed = generateFeed({ count: 250, patients: 30, seed: `faults-${dialect}`, now: new Date() });
      await sendAll(feed.messages, port, async () => undefined);
      await settled(engine, 250);
      await admin('faults', { errorRate: 0, timeoutRate: 0, rateLimitPerSecond: null, latencyMs: 0 });
      expect(await duplicates(client)).toEqual([]);
      expect(await checkOncall(feed.expectation, client)).toEqual([]);
    });
  });
}
