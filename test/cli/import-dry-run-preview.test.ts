import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli, startSandboxProcess, type Spawned } from '../helpers/processes.js';

/**
 * `ehr-bridge import --dry-run` prints the same preview as the wizard (change-preview.ts):
 * which lines would be created, updated and with which fields, left as they are, left out;
 * with --json the preview object is in the one JSON object on stdout. Nothing is sent.
 */
describe('ehr-bridge import --dry-run prints the preview of changes', () => {
  let sandbox: { proc: Spawned; base: string };
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    sandbox = await startSandboxProcess();
    dir = mkdtempSync(join(tmpdir(), 'ehrb-cli-preview-'));
    env = { ONCALL_BASE_URL: `${sandbox.base}/oncall`, ONCALL_API_KEY: 'oncall-sandbox-key', EHR_BRIDGE_DATABASE_URL: join(dir, 'db.sqlite') };
  });
  afterAll(async () => {
    sandbox.proc.kill();
    await sandbox.proc.exited();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = async (file: string, extra: string[] = []) => {
    const p = spawnCli(['import', file, '--type', 'contacts', '--division', '1', '--provider', '1', '--no-progress', ...extra], env);
    const code = await p.exited();
    return { code, out: p.output(), stdout: p.stdout() };
  };
  const csv = (name: string, rows: string[]) => {
    const f = join(dir, name);
    writeFileSync(f, ['Patient ID,First Name,Last Name,Email', ...rows].join('\n') + '\n');
    return f;
  };
  const stats = async () => (await (await fetch(`${sandbox.base}/oncall/_admin/stats`)).json()) as { contacts: number; requests: { byMethod: Record<string, number> } };

  it('says what would be created, updated (which fields), left as it is and left out, and sends nothing', async () => {
    const first = await run(csv('first.csv', ['d-1,Ann,Lee,ann@example.org', 'd-2,Bob,Ray,bob@example.org']));
    expect(first.code).toBe(0);
    const changed = csv('changed.csv', ['d-1,Ann,Lee,ann@example.org', 'd-2,Bob,Ray,bob.new@example.org', 'd-3,Cy,Doe,cy@example.org', 'd-4,Dee,Fox,not-an-email']);
    const before = await stats();
    const dry = await run(changed, ['--dry-run', '--update']);
    // The preview says it all: no second count line in other words before it.
    expect(dry.out).not.toContain('(dry run) would create');
    expect(dry.out).not.toMatch(/would create \d+, would update/);
    expect(dry.out).toContain('\n(dry run) 4 line(s) read; nothing was sent. A run would do this:\n  1 patient(s) would be created\n');
    expect(dry.out.match(/\(dry run\)/g)).toHaveLength(1);
    expect(dry.out).toContain('1 patient(s) would be created');
    expect(dry.out).toMatch(/^ {6}E-mail: 1 line\(s\)$/m);
    expect(dry.out).toContain('line 3 Bob Ray, EMR id d-2: E-mail → bob.new@example.org');
    expect(dry.out).toContain('line 4 Cy Doe, EMR id d-3');
    expect(dry.out).toContain('1 patient(s) already up to date, left as they are');
    expect(dry.out).toMatch(/line 5 Dee Fox, EMR id d-4: E-mail /);
    const after = await stats();
    expect(after.requests.byMethod.POST ?? 0).toBe(before.requests.byMethod.POST ?? 0);
    expect(after.requests.byMethod.PATCH ?? 0).toBe(before.requests.byMethod.PATCH ?? 0);

    // Without --update, the changed patient is left as it is, and says why.
    const skip = await run(changed, ['--dry-run']);
    expect(skip.out).toContain('1 patient(s) already there with other values, not updated');

    const json = await run(changed, ['--dry-run', '--json']);
    const lines = json.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const o = JSON.parse(lines[0]!);
    expect(o.preview.counts).toEqual({ create: 1, update: 0, unchanged: 1, notUpdated: 1, move: 0, otherClinic: 0, leftOut: 1 });
    expect(o.preview.fieldGroups.notUpdated).toEqual([{ labels: ['E-mail'], lines: 1 }]);
  }, 180_000);
});
