import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../helpers/processes.js';

/**
 * The start-up banner's login line (issue 6, item 13): the password is printed on the start
 * that generated it, never again, and never when it comes from the environment.
 */
describe('serve banner: the admin password', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ehrb-banner-'));
  const databaseUrl = join(dir, 'db.sqlite');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function loginLine(env: Record<string, string> = {}): Promise<string> {
    const proc = spawnCli(['serve', '--port', '0', '--ehr-mllp-port', '0', '--mllp-port', '0'], {
      EHR_BRIDGE_DATABASE_URL: databaseUrl,
      HOST: '127.0.0.1',
      EHR_BRIDGE_SANDBOXES: 'false',
      ...env,
    });
    try {
      const m = await proc.waitFor(/\n\s*login\s+([^\n]*)\n/, 60_000);
      return m[1]!;
    } finally {
      proc.kill('SIGTERM');
      await proc.exited();
    }
  }

  it('prints a generated password once, then only where it is kept; an environment password never', async () => {
    const first = await loginLine();
    const password = readFileSync(join(dir, 'admin-password.txt'), 'utf8').trim();
    expect(first).toContain(`admin / ${password}`);
    expect(first).toContain(join(dir, 'admin-password.txt'));

    const second = await loginLine();
    expect(second).not.toContain(password);
    expect(second).toBe(`admin / (password in ${join(dir, 'admin-password.txt')})`);

    const fromEnv = await loginLine({ EHR_BRIDGE_ADMIN_PASSWORD: 'set by the operator 42' });
    expect(fromEnv).toBe('admin / (from EHR_BRIDGE_ADMIN_PASSWORD)');
    expect(fromEnv).not.toContain('set by the operator');
  }, 180_000);
});

/**
 * Every address the banner prints opens something (a new user clicked "FHIR API …/fhir" and the
 * slash-less OnCall target and got 404s): each GET link answers 200 with no credentials. The
 * token endpoint is printed as a POST and is not a link to open.
 */
describe('serve banner: every printed link answers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ehrb-banner-links-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fetches each URL of the banner (sandboxes on) and gets 200', async () => {
    const proc = spawnCli(['serve', '--port', '0', '--ehr-mllp-port', '0', '--mllp-port', '0'], {
      EHR_BRIDGE_DATABASE_URL: join(dir, 'db.sqlite'),
      HOST: '127.0.0.1',
      EHR_BRIDGE_SANDBOXES: 'true',
    });
    try {
      await proc.waitFor(/\n\s*OnCall target [^\n]*\n/, 60_000);
      const banner = proc.stdout().slice(proc.stdout().indexOf('ehr-bridge is running'));
      const lines = banner.split('\n');
      expect(lines.find((l) => l.includes('FHIR API'))).toMatch(/\/fhir\/metadata\s/);
      expect(lines.find((l) => l.includes('OnCall target'))).toMatch(/\/sandbox\/oncall\/ \(sandbox\)$/);
      // Issue 8: the inbound MLLP port is printed (0 asked for any free one).
      expect(lines.find((l) => l.includes('HL7 inbound'))).toMatch(/MLLP 127\.0\.0\.1:[1-9]\d*\s.*sync into OnCall Health/);
      const urls = lines.flatMap((l) => l.replace(/POST https?:\/\/\S+/g, '').match(/https?:\/\/[^\s)]+/g) ?? []);
      expect(urls.length).toBeGreaterThanOrEqual(7);
      for (const url of urls) expect((await fetch(url)).status, url).toBe(200);
    } finally {
      proc.kill('SIGTERM');
      await proc.exited();
    }
  }, 120_000);
});
