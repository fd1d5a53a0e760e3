import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MllpListener } from '../../src/channels/mllp-listener/listener.js';
import { MessageStore } from '../../src/messages/message-store.js';
import { mllpListenerSettings } from '../../src/messages/settings.js';
import type { FeedExpectation, FeedSummary } from '../../src/sandboxes/emr-feed/index.js';
import { spawnCli } from '../helpers/processes.js';
import { testStore, type TestStore } from '../helpers/stores.js';

/**
 * `ehr-bridge sandbox emr-feed` as a user runs it (issue 8, source 3), against the engine's MLLP
 * listener on a free port storing into SQLite: the whole feed is stored and acknowledged AA, the
 * summary and the expectation come out as JSON or as lines for a person, and an unreachable
 * target or a bad option ends with a one-line error and exit code 1.
 */
describe('CLI: sandbox emr-feed', () => {
  let store: TestStore;
  let listener: MllpListener;
  let port: number;
  const dir = mkdtempSync(join(tmpdir(), 'ehrb-emr-feed-'));

  beforeAll(async () => {
    store = await testStore('sqlite');
    listener = new MllpListener(mllpListenerSettings({}, { port: 0, host: '127.0.0.1' }), { messages: new MessageStore(store.db, store.dialect) });
    ({ port } = await listener.start());
  });
  afterAll(async () => {
    await listener?.close();
    await store?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const proc = spawnCli(['sandbox', 'emr-feed', ...args]);
    const code = await proc.exited();
    return { code, stdout: proc.stdout(), stderr: proc.stderr() };
  }

  it('--json: sends the feed, every message stored once with AA, and prints summary and expectation', async () => {
    const out = join(dir, 'expected.json');
    const r = await run(['--to', `127.0.0.1:${port}`, '--count', '80', '--patients', '12', '--seed', 'cli-json', '--expect-out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout) as { seed: string; summary: FeedSummary; expectationPath: string; expectation: FeedExpectation; kinds: Record<string, number> };
    expect(printed.seed).toBe('cli-json');
    expect(printed.summary).toMatchObject({ total: 80, sent: 80, aa: 80, ae: 0, ar: 0, resent: 0 });
    expect(printed.expectationPath).toBe(out);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(printed.expectation);
    expect(Object.keys(printed.expectation.contacts)).toHaveLength(printed.kinds['new-patient']!);
    expect(printed.expectation.messages).toBe(80);

    const rows = await store.db.selectFrom('messages').select(['control_id', 'ack_code', 'times_received']).where('channel', '=', 'mllp').execute();
    const mine = rows.filter((row) => row.control_id?.startsWith('EF'));
    expect(mine).toHaveLength(80);
    expect(new Set(mine.map((row) => row.control_id)).size).toBe(80);
    expect(mine.every((row) => row.ack_code === 'AA' && row.times_received === 1)).toBe(true);
  }, 120_000);

  it('prints lines for a person: what it sends, the counts and where the expectation is', async () => {
    const r = await run(['--to', `127.0.0.1:${port}`, '--count', '25', '--seed', 'cli-text', '--rate', '200']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^EMR feed to 127\\.0\\.0\\.1:${port}: 25 messages, 4 patients, seed cli-text \\(clinic time zone [A-Za-z_/]+\\)$`));
    expect(lines[1]).toMatch(/^Acknowledged 25 of 25: AA 25, AE 0, AR 0; 0 sent again after no answer \(\d+\.\d s, [\d,]+ messages\/s\)$/);
    const m = /^Expectation: (\d+) contacts \((\d+) merged\), (\d+) appointments -> (.+ehr-bridge-emr-feed-cli-text\.json)$/.exec(lines[2] ?? '');
    expect(m, lines[2]).not.toBeNull();
    const written = JSON.parse(readFileSync(m![4]!, 'utf8')) as FeedExpectation;
    expect(Object.keys(written.contacts)).toHaveLength(Number(m![1]));
    expect(Object.keys(written.appointments)).toHaveLength(Number(m![3]));
    rmSync(m![4]!, { force: true });
  }, 120_000);

  it('stops with a clear message and exit code 1 when no ACK comes', async () => {
    // A port that was free a moment ago: every attempt is refused, five in all.
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const deadPort = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const r = await run(['--to', `127.0.0.1:${deadPort}`, '--count', '5', '--seed', 'cli-dead', '--expect-out', join(dir, 'dead.json')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Acknowledged 0 of 5: AA 0, AE 0, AR 0; 4 sent again after no answer /m);
    expect(r.stderr).toMatch(/^ehr-bridge emr-feed: stopped at message 1 of 5 \(ADT\^A(04|28), control id EF\w+\): no ACK after 5 attempts \(.*ECONNREFUSED.*\)\. 0 accepted before it/);
  }, 60_000);

  it('refuses a malformed --to, naming the option, with exit code 1', async () => {
    const r = await run(['--to', 'localhost', '--count', '5']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--to <host:port>.*expected host:port/);
  }, 60_000);
});
