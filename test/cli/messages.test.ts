import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adtMessage } from '../../src/channels/mllp-listener/test-helpers/hl7-samples.js';
import { MessageStore } from '../../src/messages/message-store.js';
import type { IncomingMessage, MessageStatus } from '../../src/messages/types.js';
import { openStore, type Store } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { BIN, REPO_ROOT, ensureCompiledCli, spawnCli } from '../helpers/processes.js';
import { startSignedInServer, type SignedInServer } from '../helpers/signed-in-server.js';
import { createPgDatabase, DIALECTS } from '../helpers/stores.js';
import { until } from '../helpers/until.js';

/** Each test starts the CLI several times: a process each, 1-2 s apiece on a loaded 2-core machine. */
const SLOW = 180_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `ehr-bridge messages list|show|reprocess` (issue 8, "Seeing it work"), the compiled CLI on a
 * SQLite file and on PostgreSQL, with messages stored beforehand as the listener and the
 * processor leave them: failed with their calls and errors, ignored, rejected, processed,
 * waiting. Exit codes: 0 done, 1 could not be done (an id that does not exist), 2 bad usage.
 */
describe.each(DIALECTS)('ehr-bridge messages (%s)', (dialect) => {
  let dir: string;
  let databaseUrl: string;
  let drop: (() => Promise<void>) | undefined;
  let store: Store;
  let messages: MessageStore;
  const id: Record<string, number> = {};

  async function stored(name: string, o: { type?: string; event?: string; patient?: string; status: MessageStatus; raw?: string; parsed?: Record<string, unknown>; error?: string; reason?: string }): Promise<number> {
    const type = o.type ?? 'ADT';
    const event = o.event ?? 'A08';
    const hl7 = o.raw === undefined;
    const msg: IncomingMessage = {
      channel: 'mllp',
      raw: Buffer.from(o.raw ?? `MSH|^~\\&|EMR|CLINIC|||20260101||${type}^${event}|${name}|P|2.5\rPID|1||${o.patient}^^^H^MR||Doe^Jane\r`),
      header: hl7 ? { sendingApplication: 'EMR', sendingFacility: 'CLINIC', controlId: name, messageType: type, event, version: '2.5' } : null,
      status: o.status === 'rejected' ? 'rejected' : o.status === 'received' ? 'received' : 'ignored',
      patientIds: o.patient ? [o.patient] : [],
      ack: Buffer.from(`MSH|^~\\&|BRIDGE|HERE|||20260101||ACK|A${name}|P|2.5\rMSA|${o.status === 'rejected' ? 'AR' : 'AA'}|${name}\r`),
      ackCode: o.status === 'rejected' ? 'AR' : 'AA',
      ...(o.parsed ? { parsed: o.parsed } : {}),
      ...(o.error ? { error: o.error } : {}),
      ...(o.reason ? { statusReason: o.reason } : {}),
    };
    const r = await messages.receive(msg);
    if (o.status === 'failed' || o.status === 'processed') await messages.setStatus(r.id, o.status, { error: o.error ?? null, countAttempt: true });
    id[name] = r.id;
    return r.id;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ehrb-messages-cli-'));
    databaseUrl = join(dir, 'db.sqlite');
    if (dialect === 'postgres') ({ url: databaseUrl, drop } = await createPgDatabase());
    store = openStore(databaseUrl, { poolSize: 2 });
    await migrateToLatest(store);
    messages = new MessageStore(store.db, store.dialect);
    const a1 = await stored('A08-A', { patient: 'MRN-A', status: 'failed', error: 'OnCall answered 503' });
    // The processor's trace (src/flows/sync/trace.ts): the events read, the calls, the error.
    await messages.addTrace(a1, 'parsed', { events: [{ type: 'patient-upsert', emrPatientId: 'MRN-A', patient: { resourceType: 'Patient', name: [{ family: 'Doe', given: ['Jane'] }], birthDate: '1980-01-01' } }] });
    await messages.addTrace(a1, 'decision', { summary: 'Contact updated', keys: ['email'] });
    await messages.addTrace(a1, 'call', { method: 'PATCH', path: '/api/v3/contacts/12/', status: 503, ms: 31 });
    await messages.addTrace(a1, 'error', { text: 'OnCall answered 503' });
    await stored('A31-B', { event: 'A31', patient: 'MRN-B', status: 'failed', error: 'OnCall answered 500' });
    await stored('S12-A', { type: 'SIU', event: 'S12', patient: 'MRN-A', status: 'failed', error: 'no such provider' });
    await stored('A03-C', { event: 'A03', patient: 'MRN-C', status: 'ignored', reason: 'ADT^A03 is not synchronised', parsed: { outcome: 'ignored', reason: 'ADT^A03 is not synchronised' } });
    await stored('NOT-HL7', {
      status: 'rejected',
      raw: 'this is not HL7 at all',
      error: '100 (Segment sequence error): not an HL7 v2 message',
      parsed: { outcome: 'rejected', ack: 'AR', errors: [{ code: '100', codeText: 'Segment sequence error', text: 'not an HL7 v2 message' }] },
    });
    await stored('A08-D', { patient: 'MRN-D', status: 'processed' });
    await stored('A08-E', { patient: 'MRN-E', status: 'received' });
    // Built once here, outside the first test's time.
    ensureCompiledCli();
  }, 180_000);
  afterAll(async () => {
    await store?.close();
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  async function cli(...args: string[]): Promise<Run> {
    const p = spawnCli(['messages', ...args], { EHR_BRIDGE_DATABASE_URL: databaseUrl });
    // 'close' (not 'exit'): every byte of stdout and stderr has been read.
    const code = await new Promise<number | null>((resolve) => p.child.on('close', (c) => resolve(c)));
    return { code, stdout: p.stdout(), stderr: p.stderr() };
  }

  /** The ids a table shows, top to bottom. */
  const tableIds = (stdout: string) =>
    stdout
      .trim()
      .split('\n')
      .slice(1)
      .filter((l) => /^\d{4}-/.test(l))
      .map((l) => Number(l.split(/\s{2,}/)[1]));

  const status = async (n: number) => (await messages.get(n))!;

  it('lists messages newest first as a table: time, id, type, status, control id, patients, error', async () => {
    const r = await cli('list');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^TIME \(UTC\)\s+ID\s+TYPE\s+STATUS\s+CONTROL ID\s+PATIENTS\s+ERROR$/);
    expect(tableIds(r.stdout)).toEqual(['A08-E', 'A08-D', 'NOT-HL7', 'A03-C', 'S12-A', 'A31-B', 'A08-A'].map((n) => id[n]));
    expect(lines.find((l) => l.includes('A08-A'))).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\s+\d+\s+ADT\^A08\s+failed\s+A08-A\s+MRN-A\s+OnCall answered 503$/);
    expect(lines.find((l) => l.includes('A08-E'))).toMatch(/ADT\^A08\s+waiting\s+A08-E\s+MRN-E$/);
    expect(lines.find((l) => l.includes('A03-C'))).toMatch(/ignored\s+A03-C\s+MRN-C\s+ADT\^A03 is not synchronised$/);
    expect(r.stderr).toBe('');
  }, SLOW);

  it('filters the list by status, type, patient, channel and time; --limit; --json', async () => {
    const ids = async (...args: string[]) => tableIds((await cli('list', ...args)).stdout);
    expect(await ids('--status', 'failed')).toEqual([id['S12-A'], id['A31-B'], id['A08-A']]);
    expect(await ids('--status', 'failed', '--type', 'ADT^A08')).toEqual([id['A08-A']]);
    expect(await ids('--type', 'siu')).toEqual([id['S12-A']]);
    expect(await ids('--patient', 'MRN-A')).toEqual([id['S12-A'], id['A08-A']]);
    expect(await ids('--status', 'waiting')).toEqual([id['A08-E']]);
    expect(await ids('--since', '1h')).toHaveLength(7);
    expect(await ids('--before', '2000-01-01')).toEqual([]);
    const none = await cli('list', '--channel', 'fhir');
    expect(none).toMatchObject({ code: 0, stdout: 'No message matches.\n' });

    const two = await cli('list', '--limit', '2');
    expect(tableIds(two.stdout)).toEqual([id['A08-E'], id['A08-D']]);
    expect(two.stdout).toContain('(the 2 newest; --limit shows more)');

    const json = await cli('list', '--status', 'failed', '--json');
    expect(json.code).toBe(0);
    const arr = JSON.parse(json.stdout) as { id: number; status: string; controlId: string; patientIds: string[] }[];
    expect(arr.map((m) => m.controlId)).toEqual(['S12-A', 'A31-B', 'A08-A']);
    expect(arr[2]).toMatchObject({ id: id['A08-A'], status: 'failed', messageType: 'ADT', event: 'A08', patientIds: ['MRN-A'], error: 'OnCall answered 503' });
    expect(arr[2]).not.toHaveProperty('raw');
  }, SLOW);

  it('refuses wrong list options with exit 2 and one line saying what is expected', async () => {
    for (const [args, said] of [
      [['--status', 'done'], /--status is one of received, processed, failed, ignored, rejected/],
      [['--type', 'ADT^A08^X'], /--type is a message type such as ADT/],
      [['--since', 'yesterday'], /--since takes a date-time/],
      [['--limit', '0'], /--limit is a number from 1 to 10,000/],
      [['--bogus'], /unknown option '--bogus'/],
    ] as const) {
      const r = await cli('list', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(said);
      expect(r.stdout).toBe('');
    }
    // No subcommand is bad usage too; --help is not.
    expect((await cli()).code).toBe(2);
    const help = await cli('reprocess', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit code: 0 done (or nothing to do), 1 a message id that does not exist');
  }, SLOW);

  it('shows one message: header, status, ACK sent and the trace in plain words', async () => {
    const r = await cli('show', String(id['A08-A']));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Message ${id['A08-A']}  ADT^A08\n`);
    expect(r.stdout).toMatch(/ {2}status {6}failed\n/);
    expect(r.stdout).toMatch(/ {2}sender {6}EMR \/ CLINIC\n/);
    expect(r.stdout).toMatch(/ {2}ACK sent {4}AA\n/);
    expect(r.stdout).toMatch(/ {2}error {7}OnCall answered 503\n/);
    const trace = r.stdout.split('\nTrace\n')[1]!.split('\n').map((l) => l.replace(/^ {2}\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} {2}/, ''));
    expect(trace).toEqual([
      'parsed    read as patient MRN-A new or updated',
      'decision  Contact updated (keys ["email"])',
      'call      PATCH /api/v3/contacts/12/ → 503 (31 ms)',
      'error     OnCall answered 503',
      '',
    ]);
    // The resources read stay out of the words (--json has them).
    expect(r.stdout).not.toMatch(/Doe|1980/);

    const rejected = await cli('show', String(id['NOT-HL7']));
    expect(rejected.stdout).toContain('(unknown)');
    expect(rejected.stdout).toMatch(/ACK sent {4}AR/);
    expect(rejected.stdout).toMatch(/parsed {2}rejected on arrival, ACK AR: 100 \(Segment sequence error\): not an HL7 v2 message\n/);
    expect((await cli('show', String(id['A08-E']))).stdout).toContain('Trace: nothing yet (waiting to be processed)');
  }, SLOW);

  it('show --raw prints the message, one segment a line; --json the API\'s object; unknown id 1, not an id 2', async () => {
    const raw = await cli('show', String(id['A08-A']), '--raw');
    expect(raw.code).toBe(0);
    expect(raw.stdout).toBe('MSH|^~\\&|EMR|CLINIC|||20260101||ADT^A08|A08-A|P|2.5\nPID|1||MRN-A^^^H^MR||Doe^Jane\n');

    const json = await cli('show', String(id['A08-A']), '--json');
    const m = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(m).toMatchObject({ id: id['A08-A'], controlId: 'A08-A', status: 'failed', ackCode: 'AA', rawCharset: 'UTF-8' });
    expect(m.raw).toMatch(/^MSH\|.*\rPID\|/s);
    expect(m.ack).toMatch(/MSA\|AA\|A08-A/);
    expect(m.trace).toHaveLength(4);

    const missing = await cli('show', '999999');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('ehr-bridge messages show: no message 999999 (it may have been removed by the retention policy)\n');
    const word = await cli('show', 'MRN-A');
    expect(word.code).toBe(2);
    // Not quoted back: a word in the id's place may be a patient id.
    expect(word.stderr).toMatch(/message ids are positive numbers/);
    expect(word.stderr).not.toContain('MRN-A');
  }, SLOW);

  it('reprocess by selection needs --yes off a terminal; with it, sets them back to waiting and says so', async () => {
    const usage = await cli('reprocess');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/give message ids, or a selection such as --status failed/);

    const refused = await cli('reprocess', '--status', 'failed');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/3 messages match; reprocessing by a selection needs --yes when not run on a terminal/);
    expect((await status(id['A08-A']!)).status).toBe('failed');
    expect((await cli('reprocess', '--status', 'received', '--yes')).code).toBe(2);

    const one = await cli('reprocess', '--status', 'failed', '--type', 'ADT^A08', '--yes');
    expect(one.code).toBe(0);
    expect(one.stdout).toBe(
      `1 message set back to waiting: ${id['A08-A']}\nA running engine processes them again within a second, else at its next start (ehr-bridge messages show <id> follows one).\n`,
    );
    const m = await status(id['A08-A']!);
    expect(m).toMatchObject({ status: 'received', error: null });
    expect(m.trace.at(-1)).toMatchObject({ kind: 'decision', detail: { action: 'reprocess requested', by: `${userInfo().username} on the command line`, from: 'failed' } });
    const shown = await cli('show', String(id['A08-A']));
    expect(shown.stdout).toContain(`decision  reprocessing requested by ${userInfo().username} on the command line (was failed)\n`);
  }, SLOW);

  it('reprocess by ids: the ones waiting left alone, an unknown id is exit 1; --json', async () => {
    const r = await cli('reprocess', String(id['A31-B']), `${id['A03-C']},${id['A08-E']}`, '999999');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`2 messages set back to waiting: ${id['A31-B']}, ${id['A03-C']}\n`);
    expect(r.stdout).toContain(`Already waiting, left as they are: ${id['A08-E']}\n`);
    expect(r.stderr).toBe('ehr-bridge messages reprocess: no message 999999 (it may have been removed by the retention policy)\n');
    expect((await status(id['A03-C']!)).trace.at(-1)!.detail).toMatchObject({ from: 'ignored' });

    const json = await cli('reprocess', '--status', 'failed', '--yes', '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ requeued: 1, ids: [id['S12-A']], left: 0 });
    const again = await cli('reprocess', '--status', 'failed', '--yes');
    expect(again).toMatchObject({ code: 0, stdout: 'No message matches: nothing to reprocess.\n' });
    const badJson = await cli('reprocess', '--since', 'soon', '--json');
    expect(badJson.code).toBe(2);
    expect(JSON.parse(badJson.stdout)).toMatchObject({ exitCode: 2, error: expect.stringMatching(/--since takes a date-time/) });
  }, SLOW);

  it('on a terminal, asks before setting more than one message back, and not for one', async () => {
    // util-linux `script` gives the CLI a pseudo-terminal, as a person's shell does; the answer
    // is typed once the question is on the screen.
    const onTerminal = async (args: string[], answer: string | null): Promise<{ code: number | null; screen: string }> => {
      const cmd = [process.execPath, BIN, 'messages', ...args].map((a) => `'${a}'`).join(' ');
      const child = spawn('script', ['-qefc', cmd, '/dev/null'], {
        cwd: REPO_ROOT,
        env: { ...process.env, EHR_BRIDGE_DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let screen = '';
      let typed = false;
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        screen += d;
        if (answer !== null && !typed && screen.includes('[y/N]')) {
          typed = true;
          child.stdin.write(`${answer}\n`);
        }
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      return { code, screen };
    };
    const pair = [String(id['NOT-HL7']), String(id['A08-D'])];
    const no = await onTerminal(['reprocess', ...pair], 'n');
    expect(no.code).toBe(0);
    expect(no.screen).toContain('Set 2 messages back to waiting, to be processed again? [y/N]');
    expect(no.screen).toContain('Nothing changed.');
    expect((await status(id['NOT-HL7']!)).status).toBe('rejected');
    expect((await status(id['A08-D']!)).status).toBe('processed');

    const yes = await onTerminal(['reprocess', ...pair], 'y');
    expect(yes.code).toBe(0);
    expect(yes.screen).toContain(`2 messages set back to waiting: ${pair.join(', ')}`);
    expect((await status(id['A08-D']!)).status).toBe('received');

    await messages.setStatus(id['A08-D']!, 'failed', { error: 'OnCall answered 502' });
    const single = await onTerminal(['reprocess', '--status', 'failed'], null);
    expect(single.code).toBe(0);
    expect(single.screen).not.toContain('[y/N]');
    expect(single.screen).toContain(`1 message set back to waiting: ${id['A08-D']}`);
  }, SLOW);
});

describe('ehr-bridge messages reprocess beside a running engine', () => {
  let s: SignedInServer | undefined;
  afterAll(() => s?.close());

  it('the engine picks up what the command set back to waiting (it polls the store)', async () => {
    s = await startSignedInServer('ehrb-messages-cli-live-');
    const store = new MessageStore(s.server.ctx.store.db, s.server.ctx.store.dialect);
    // As the processor leaves a message OnCall refused: stored, then failed with its error.
    const r = await store.receive({
      channel: 'mllp',
      raw: adtMessage({ controlId: 'CLI-LIVE', patientId: 'MRN-CLI-LIVE' }),
      header: { sendingApplication: 'EMR', sendingFacility: 'CLINIC', controlId: 'CLI-LIVE', messageType: 'ADT', event: 'A08', version: '2.5.1' },
      status: 'ignored',
      patientIds: ['MRN-CLI-LIVE'],
      ack: null,
      ackCode: 'AA',
    });
    await store.setStatus(r.id, 'failed', { error: 'OnCall answered 503', countAttempt: true });

    const p = spawnCli(['messages', 'reprocess', String(r.id)], { EHR_BRIDGE_DATABASE_URL: s.server.ctx.config.databaseUrl });
    expect(await new Promise((resolve) => p.child.on('close', resolve))).toBe(0);
    expect(p.stdout()).toContain(`1 message set back to waiting: ${r.id}`);
    const done = await until(async () => {
      const m = await store.get(r.id);
      return m && m.status !== 'received' && m;
    }, 30_000, 'the engine to process the message again');
    expect(done).toMatchObject({ status: 'processed', error: null });
    expect(done.trace.map((t) => t.kind)).toEqual(expect.arrayContaining(['decision', 'parsed', 'call']));
  }, SLOW);
});
