import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, REPO_ROOT, spawnCli, startSandboxProcess, type Spawned } from '../helpers/processes.js';

/**
 * What `ehr-bridge import` prints (issue 7): stdout for the person (or one JSON object with
 * --json), logs on stderr as text and only warnings by default, records already in OnCall left
 * as they are unless --update.
 */
describe('ehr-bridge import: output, logs and records already in OnCall', () => {
  let sandbox: { proc: Spawned; base: string };
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    sandbox = await startSandboxProcess();
    dir = mkdtempSync(join(tmpdir(), 'ehrb-cli-out-'));
    env = {
      ONCALL_BASE_URL: `${sandbox.base}/oncall`,
      ONCALL_API_KEY: 'oncall-sandbox-key',
      ONCALL_REQUESTS_PER_SECOND: '0',
    };
  });
  afterAll(async () => {
    sandbox.proc.kill();
    await sandbox.proc.exited();
    rmSync(dir, { recursive: true, force: true });
  });

  async function runImport(args: string[], extraEnv: Record<string, string | undefined>) {
    const p = spawnCli(['import', ...args], { ...env, ...extraEnv });
    const code = await p.exited();
    return { code, out: p.output(), stdout: p.stdout(), stderr: p.stderr() };
  }
  const people = (name: string, emails: string[]) => {
    const file = join(dir, name);
    writeFileSync(file, 'Patient ID,First Name,Last Name,DOB,Sex,Email\n' + emails.map((e, i) => `q${i},Ann${'abcdef'[i]},Lee,1980-02-0${i + 1},F,${e}`).join('\n') + '\n');
    return file;
  };
  const stats = async () => (await (await fetch(`${sandbox.base}/oncall/_admin/stats`)).json()) as { requests: { byMethod: Record<string, number> } };
  const isJsonLine = (l: string) => l.trim().startsWith('{');

  it('pulling from the FHIR EMR prints no log line by default; LOG_LEVEL=info gives text on stderr; LOG_FORMAT=json gives JSON on stderr, never on stdout', async () => {
    const from = ['--from', `${sandbox.base}/fhir-emr`, '--resource', 'Patient', '--type', 'contacts', '--division', '1', '--provider', '1', '--no-progress', '--dry-run'];
    // No LOG_LEVEL, no VITEST: the CLI's own defaults.
    const quiet = await runImport(from, { EHR_BRIDGE_DATABASE_URL: join(dir, 'logs.sqlite'), LOG_LEVEL: undefined, VITEST: undefined });
    expect(quiet.code).not.toBe(1);
    expect(quiet.out).toMatch(/read 543 row\(s\)/);
    expect(quiet.out).not.toContain('FHIR export ready');
    expect(quiet.out.split('\n').filter(isJsonLine)).toEqual([]);

    const info = await runImport(from, { EHR_BRIDGE_DATABASE_URL: join(dir, 'logs.sqlite'), LOG_LEVEL: 'info', VITEST: undefined });
    expect(info.stderr).toMatch(/^ehr-bridge: info: FHIR export ready \(.*files=\d+/m);
    expect(info.stdout).not.toContain('FHIR export ready');
    expect(info.out.split('\n').filter(isJsonLine)).toEqual([]);

    const json = await runImport(from, { EHR_BRIDGE_DATABASE_URL: join(dir, 'logs.sqlite'), LOG_LEVEL: 'info', LOG_FORMAT: 'json', VITEST: undefined });
    const logLines = json.stderr.split('\n').filter(isJsonLine).map((l) => JSON.parse(l) as { msg: string; level: number });
    expect(logLines.map((l) => l.msg)).toContain('FHIR export ready');
    expect(json.stdout.split('\n').filter(isJsonLine)).toEqual([]);
  });

  it('on a terminal: a progress bar in plain words, then the summary, and no log line in the middle', async () => {
    await fetch(`${sandbox.base}/oncall/_admin/reset`, { method: 'POST' });
    // util-linux `script` gives the CLI a pseudo-terminal, as a person's shell does.
    const cmd = [process.execPath, BIN, 'import', '--from', `${sandbox.base}/fhir-emr`, '--resource', 'Patient', '--division', '1', '--provider', '1'].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qefc', cmd, '/dev/null'], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env, EHR_BRIDGE_DATABASE_URL: join(dir, 'tty.sqlite'), LOG_LEVEL: undefined, VITEST: undefined },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (screen += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(screen).toMatch(/\d+% \| [\d,]+ of [\d,]+ rows \| [\d,]+ rows\/s( \| (\d+h )?(\d+m )?\d+s left)? \| [\d,]+ not imported/);
    // No time left until it means something (the run page's rule): never "0s left" at the start.
    expect(screen).not.toMatch(/ 0% \|.* left \|/);
    expect(screen).not.toContain('0s left');
    expect(screen).toMatch(/\d+ created, 0 updated, 0 already up to date, \d+ left out(, \d+ not imported \(refused by OnCall\))?\r?\n/);
    expect(screen).not.toContain('{"level"');
    expect(screen).not.toContain('FHIR export ready');
  });

  it('refuses a LOG_FORMAT it does not know, with one line and exit 1', async () => {
    const r = await runImport([people('any.csv', ['a@example.org']), '--division', '1', '--provider', '1'], { EHR_BRIDGE_DATABASE_URL: join(dir, 'fmt.sqlite'), LOG_FORMAT: 'xml' });
    expect(r.code).toBe(1);
    expect(r.out.trim()).toBe('ehr-bridge: LOG_FORMAT must be json or text, not "xml"');
  });

  it('--json prints the summary as the one JSON object on stdout; a fatal error too', async () => {
    const file = people('json.csv', ['j0@example.org', 'j1@example.org', 'not-an-email']);
    const r = await runImport([file, '--division', '1', '--provider', '1', '--json'], { EHR_BRIDGE_DATABASE_URL: join(dir, 'json.sqlite') });
    expect(r.code).toBe(2);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      source: file, recordType: 'contacts', dryRun: false, rows: 3,
      created: 2, updated: 0, alreadyUpToDate: 0, notUpdated: 0, inAnotherClinic: 0, leftOut: 1, notImported: 0, cancelled: 0,
      report: null, exitCode: 2,
    });
    // The mapping and the problems went to stderr, for the person watching.
    expect(r.stderr).toMatch(/Patient ID\s+→ {2}EMR id/);
    expect(r.stderr).toContain('line 4: E-mail (column Email) is not a valid e-mail address');

    const bad = await runImport([file, '--division', '1', '--provider', '1', '--json'], { EHR_BRIDGE_DATABASE_URL: join(dir, 'json2.sqlite'), ONCALL_API_KEY: 'nope' });
    expect(bad.code).toBe(1);
    const obj = JSON.parse(bad.stdout) as { error: string; exitCode: number };
    expect(obj.exitCode).toBe(1);
    expect(obj.error).toMatch(/rejected the API key/);
    expect(bad.stderr).toMatch(/^ehr-bridge import: .*rejected the API key/);
  });

  // The CLI's own log settings (no LOG_LEVEL, no VITEST): what a person at a shell sees.
  const asAPerson = (db: string) => ({ EHR_BRIDGE_DATABASE_URL: join(dir, db), LOG_LEVEL: undefined, VITEST: undefined });

  it('a wrong API key prints one line: the error, not also the client\'s warning about it', async () => {
    const r = await runImport([people('key.csv', ['k@example.org']), '--division', '1', '--provider', '1'], { ...asAPerson('key.sqlite'), ONCALL_API_KEY: 'nope' });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('ehr-bridge import: OnCall Health rejected the API key (HTTP 401)\n');
  });

  it('a missing --division says how to choose the clinic at the command line', async () => {
    const r = await runImport([people('nodiv.csv', ['n@example.org']), '--provider', '1'], asAPerson('nodiv.sqlite'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('ehr-bridge import: no division for the rows: choose the clinic with --division <id or URL>, or map a column to it\n');
  });

  it('a wrong --type prints the error and where the help is, not the whole help', async () => {
    const r = await runImport([people('type.csv', ['t@example.org']), '--type', 'patients'], asAPerson('type.sqlite'));
    expect(r.code).toBe(1);
    expect(r.out).toBe("error: option '--type <type>' argument 'patients' is invalid. Allowed choices are contacts, appointments.\nsee ehr-bridge import --help\n");
  });

  it('a provider who is not a member of the division stops the import before any row, dry run too', async () => {
    await fetch(`${sandbox.base}/oncall/_admin/reset`, { method: 'POST' });
    const file = people('member.csv', ['m0@example.org', 'm1@example.org']);
    const before = await stats();
    const expected = 'ehr-bridge import: Kenji Watanabe, RN (provider 4) is not a member of clinic 1: choose a provider of that clinic with --provider, or their clinic with --division; their clinics: 3\n';
    for (const extra of [[], ['--dry-run']]) {
      const r = await runImport([file, '--division', '1', '--provider', '4', ...extra], asAPerson('member.sqlite'));
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(expected);
    }
    // Given as URLs, the same check; a provider OnCall does not have is named too.
    const asUrls = await runImport([file, '--division', `${sandbox.base}/oncall/divisions/2/`, '--provider', `${sandbox.base}/oncall/providers/2/`, '--dry-run'], asAPerson('member.sqlite'));
    expect(asUrls.code).toBe(1);
    expect(asUrls.stderr).toBe('ehr-bridge import: Dr. Omar Haddad (provider 2) is not a member of clinic 2: choose a provider of that clinic with --provider, or their clinic with --division; their clinics: 1\n');
    const unknown = await runImport([file, '--division', '1', '--provider', '99', '--dry-run'], asAPerson('member.sqlite'));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('ehr-bridge import: OnCall has no provider 99: check --provider\n');
    const after = await stats();
    expect(after.requests.byMethod.POST ?? 0).toBe(before.requests.byMethod.POST ?? 0);
    expect(after.requests.byMethod.PATCH ?? 0).toBe(before.requests.byMethod.PATCH ?? 0);
    // A member of the division goes ahead.
    const ok = await runImport([file, '--division', '1', '--provider', '2'], asAPerson('member.sqlite'));
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).toContain('2 created, 0 updated, 0 already up to date, 0 left out\n');
  });

  it('leaves records already in OnCall as they are by default, says which differ, and --update updates only those', async () => {
    await fetch(`${sandbox.base}/oncall/_admin/reset`, { method: 'POST' });
    const db = { EHR_BRIDGE_DATABASE_URL: join(dir, 'update.sqlite') };
    const emails = ['u0@example.org', 'u1@example.org', 'u2@example.org', 'u3@example.org'];
    const first = await runImport([people('v1.csv', emails), '--division', '1', '--provider', '1'], db);
    expect(first.out).toContain('4 created, 0 updated, 0 already up to date, 0 left out\n');

    const changed = people('v2.csv', ['u0@example.org', 'new1@example.org', 'u2@example.org', 'new3@example.org']);
    const before = await stats();
    const skip = await runImport([changed, '--division', '1', '--provider', '1'], db);
    expect(skip.code).toBe(0);
    expect(skip.out).toContain('0 created, 0 updated, 2 already up to date, 2 already in OnCall with other values, not updated (--update updates them), 0 left out\n');
    expect((await stats()).requests.byMethod.PATCH ?? 0).toBe(before.requests.byMethod.PATCH ?? 0);

    const update = await runImport([changed, '--division', '1', '--provider', '1', '--update', '--report', join(dir, 'update.csv')], db);
    expect(update.code).toBe(0);
    expect(update.out).toContain(`0 created, 2 updated, 2 already up to date, 0 left out — report: ${join(dir, 'update.csv')}`);
    expect(((await stats()).requests.byMethod.PATCH ?? 0) - (before.requests.byMethod.PATCH ?? 0)).toBe(2);
  });
});
