import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/processes.js';
import { createPgDatabase, DIALECTS } from '../helpers/stores.js';

interface Serve {
  output(): string;
  url: Promise<string>;
  exit: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

/** `ehr-bridge serve` in its own working directory (the generated admin password lands there). */
function serve(cwd: string, env: Record<string, string>): Serve {
  const child = spawn(process.execPath, [BIN, 'serve'], { cwd, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    const look = (d: Buffer) => {
      out += d.toString();
      const m = out.match(/web UI\s+(http:\/\/\S+?)\/\s/);
      if (m) resolve(m[1]!);
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    void exit.then((code) => reject(new Error(`serve exited (${code}) before serving:\n${out}`)));
  });
  url.catch(() => undefined);
  return { output: () => out, url, exit, kill: (s) => void child.kill(s) };
}

/**
 * An orchestrator starts replicas together. Two `serve` processes started at the same moment
 * on a new, empty database must both come up (migrations, queue schema, generated admin
 * password), and share one admin password.
 */
describe.each(DIALECTS)('two serve processes started at the same moment on a new %s database', (dialect) => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('both come up and serve, with one admin password', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ehrb-start-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    let databaseUrl = join(dir, 'data', 'ehr-bridge.sqlite');
    if (dialect === 'postgres') {
      const db = await createPgDatabase();
      cleanups.push(db.drop);
      databaseUrl = db.url;
    }
    const env = { EHR_BRIDGE_DATABASE_URL: databaseUrl, EHR_BRIDGE_SANDBOXES: 'false', EHR_BRIDGE_EHR_MLLP_PORT: '0', EHR_BRIDGE_MLLP_PORT: '0', PORT: '0' };
    const servers = [serve(dir, env), serve(dir, env)];
    cleanups.push(async () => {
      for (const s of servers) s.kill('SIGKILL');
      await Promise.all(servers.map((s) => s.exit));
    });

    const urls = await Promise.all(servers.map((s) => s.url));
    for (const [i, url] of urls.entries()) {
      const res = await fetch(`${url}/api/auth/me`);
      expect(res.status, servers[i]!.output()).toBeLessThan(500);
    }
    // One password was generated: the one process that printed it, and the file, agree; the
    // other process found the stored one.
    const printed = servers.map((s) => s.output().match(/login\s+admin \/ (\S+)/)?.[1]).filter((p) => p && !p.startsWith('('));
    const file = join(dir, 'data', 'admin-password.txt');
    expect(existsSync(file)).toBe(true);
    const kept = readFileSync(file, 'utf8').trim();
    for (const p of printed) expect(p).toBe(kept);
    const login = await fetch(`${urls[1]}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: urls[1]! },
      body: JSON.stringify({ user: 'admin', password: kept }),
    });
    expect(login.status).toBe(200);

    for (const s of servers) s.kill('SIGTERM');
    expect(await Promise.all(servers.map((s) => s.exit))).toEqual([0, 0]);
  }, 120_000);
});
