import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../store/db.js';
import { createPgDatabase, DIALECTS } from '../../../test/helpers/stores.js';
import { signOncallBody } from './signature.js';

const SECRET = 'kill-test-secret';
const HELPER = fileURLToPath(new URL('./test-helpers/hook-engine.ts', import.meta.url));
const BURST = 600;
const BASE = 'https://api.oncallhealth.ca';

/** Starts the receiver in its own process (kill -9 must take the whole engine down). */
async function engine(databaseUrl: string): Promise<{ child: ChildProcess; url: string }> {
  // tsx as a loader in this very process (its CLI would run the engine in a grandchild that a kill misses).
  const child = spawn(process.execPath, ['--import', 'tsx', HELPER], {
    cwd: fileURLToPath(new URL('../../..', import.meta.url)),
    // A fixed OnCall base, so both engines (two ports) take the same URLs; the receiver never calls it.
    env: { ...process.env, EHR_BRIDGE_DATABASE_URL: databaseUrl, ONCALL_BASE_URL: BASE, ONCALL_API_KEY: 'unused', ONCALL_WEBHOOK_SECRET: SECRET, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the engine did not start:\n${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /HOOK-ENGINE (\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`the engine exited (${code}):\n${out}`)));
  });
  return { child, url };
}

/**
 * Issue 9, "kill -9 ... in the middle of a webhook burst": every delivery answered 202 is in the
 * store after the crash (the answer follows the durable write), and OnCall's retries of the
 * unanswered ones are taken by the restarted engine. A delivery stored but not answered is
 * stored again on its retry: harmless, the EMR target compares before it writes.
 */
for (const dialect of DIALECTS) {
  describe(`OnCall webhooks survive kill -9 (${dialect})`, { timeout: 180_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'ehrb-hook-kill-'));
    let drop: (() => Promise<void>) | undefined;
    const children: ChildProcess[] = [];
    afterAll(async () => {
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
      await drop?.();
      rmSync(dir, { recursive: true, force: true });
    });

    it(`a burst of ${BURST} deliveries, kill -9 half-way, restart and retry: every acknowledged delivery is stored`, async () => {
      let databaseUrl = join(dir, 'db.sqlite');
      if (dialect === 'postgres') ({ url: databaseUrl, drop } = await createPgDatabase());
      const first = await engine(databaseUrl);
      children.push(first.child);
      const bodies = Array.from({ length: BURST }, (_, i) => JSON.stringify({ event: 'appointment_updated', url: `${BASE}/appointments/${i + 1}` }));
      const acked = new Map<number, number>();
      const agent = new Agent({ connections: 16 });
      const send = async (url: string, i: number): Promise<boolean> => {
        try {
          const res = await request(`${url}/hooks/oncall`, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json', 'x-oncall-signature': signOncallBody(bodies[i]!, SECRET) }, body: bodies[i] });
          const text = await res.body.text();
          if (res.statusCode !== 202) return false;
          acked.set(i, (JSON.parse(text) as { messageId: number }).messageId);
          return true;
        } catch {
          return false;
        }
      };
      let next = 0;
      let killed = false;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          for (;;) {
            const i = next++;
            if (i >= BURST) return;
            if (i === BURST / 2 && !killed) {
              killed = true;
              first.child.kill('SIGKILL');
            }
            await send(first.url, i);
          }
        }),
      );
      await new Promise((r) => (first.child.exitCode !== null || first.child.signalCode !== null ? r(null) : first.child.once('exit', r)));
      expect(acked.size).toBeGreaterThan(0);
      expect(acked.size).toBeLessThan(BURST);

      const store = openStore(databaseUrl);
      try {
        const rows = await store.db.selectFrom('messages').select(['id', 'status']).where('channel', '=', 'oncall-hook').execute();
        const ids = new Set(rows.map((r) => Number(r.id)));
        // Answered means stored: not one acknowledged delivery is missing.
        expect([...acked.values()].filter((id) => !ids.has(id))).toEqual([]);
        expect(rows.length).toBeGreaterThanOrEqual(acked.size);
        expect(rows.every((r) => r.status === 'received')).toBe(true);

        // OnCall retries what got no 2xx; the restarted engine takes every one.
        const second = await engine(databaseUrl);
        children.push(second.child);
        const missing = bodies.map((_, i) => i).filter((i) => !acked.has(i));
        const answers = await Promise.all(missing.map((i) => send(second.url, i)));
        expect(answers.every(Boolean)).toBe(true);
        const keys = await store.db.selectFrom('message_patients').select('patient_id').distinct().execute();
        // Every appointment of the burst is now waiting to be processed.
        expect(new Set(keys.map((k) => k.patient_id)).size).toBe(BURST);
        second.child.kill('SIGKILL');
      } finally {
        await agent.close();
        await store.close();
      }
    });
  });
}
