import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../../../test/helpers/processes.js';

/** `ehr-bridge clients create|list|revoke` against a temp SQLite database. */
describe('clients command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ehrb-clients-'));
  const env = { EHR_BRIDGE_DATABASE_URL: join(dir, 'db.sqlite') };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a client (id and secret printed once), lists it, revokes it, and refuses unknown scopes', async () => {
    const create = spawnCli(['clients', 'create', '--name', 'Lifen app', '--scope', 'SEND_TO_EHR PATIENT_GAM_SEARCH'], env);
    expect(await create.exited()).toBe(0);
    const id = /client_id:\s+([0-9a-f-]{36})/.exec(create.output())?.[1];
    const secret = /client_secret:\s+(ehrs_\S+)/.exec(create.output())?.[1];
    expect(id && secret).toBeTruthy();

    const bad = spawnCli(['clients', 'create', '--name', 'x', '--scope', 'EVERYTHING'], env);
    expect(await bad.exited()).not.toBe(0);
    expect(bad.output()).toMatch(/unknown scope/);

    const revoke = spawnCli(['clients', 'revoke', id!], env);
    expect(await revoke.exited()).toBe(0);
    const list = spawnCli(['clients', 'list'], env);
    expect(await list.exited()).toBe(0);
    expect(list.output()).toContain(`${id}  Lifen app  [SEND_TO_EHR PATIENT_GAM_SEARCH]  (revoked)`);
    expect(list.output()).not.toContain(secret!);
  });
});
