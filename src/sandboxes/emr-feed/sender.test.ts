import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testStore, type TestStore } from '../../../test/helpers/stores.js';
import { MllpListener } from '../../channels/mllp-listener/listener.js';
import { MessageStore } from '../../messages/message-store.js';
import { mllpListenerSettings } from '../../messages/settings.js';
import { generateFeed } from './generator.js';
import type { FeedMessage } from './model.js';
import { sendFeed } from './sender.js';

/**
 * The feed sender against the engine's own MLLP listener over real TCP, storing into SQLite:
 * every message stored once and acknowledged AA; a lost ACK answered by a resend of the same
 * bytes (stored once still); an AR stops the feed; --rate spaces the messages.
 */
describe('sendFeed -> MllpListener (sqlite)', () => {
  let store: TestStore;
  let messages: MessageStore;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    store = await testStore('sqlite');
    messages = new MessageStore(store.db, store.dialect);
  });
  afterAll(async () => {
    await store?.dispose();
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function listen(): Promise<{ listener: MllpListener; port: number }> {
    const listener = new MllpListener(mllpListenerSettings({}, { port: 0, host: '127.0.0.1' }), { messages });
    const { port } = await listener.start();
    closers.push(() => listener.close());
    return { listener, port };
  }
  const rowsOf = (feed: readonly FeedMessage[]) =>
    store.db
      .selectFrom('messages')
      .select(['control_id', 'ack_code', 'raw', 'times_received'])
      .where(
        'control_id',
        'in',
        feed.map((m) => m.controlId),
      )
      .execute();

  it('delivers 400 messages, each stored once and acknowledged AA', async () => {
    const { listener, port } = await listen();
    const feed = generateFeed({ count: 400, patients: 50, seed: 'sender-all', now: new Date() }).messages;
    const progress: number[] = [];
    const summary = await sendFeed(feed, { host: '127.0.0.1', port, onProgress: (s) => progress.push(s.sent) });
    expect(summary).toMatchObject({ total: 400, sent: 400, aa: 400, ae: 0, ar: 0, resent: 0 });
    expect(summary.stopped).toBeUndefined();
    expect(progress).toHaveLength(400);
    const rows = await rowsOf(feed);
    expect(rows).toHaveLength(400);
    const byId = new Map(rows.map((r) => [r.control_id, r]));
    for (const m of feed) {
      const row = byId.get(m.controlId)!;
      expect(row.ack_code).toBe('AA');
      expect(row.times_received).toBe(1);
      expect(Buffer.from(row.raw).equals(m.raw)).toBe(true);
    }
    expect(listener.stats()).toMatchObject({ stored: 400, duplicates: 0, rejected: 0 });
  });

  it('sends the same bytes again when an ACK does not come, and the listener keeps one copy', async () => {
    const { listener, port } = await listen();
    // A proxy that holds back the first ACK it sees (as a lost packet would): the sender times out.
    let held = false;
    const sockets = new Set<net.Socket>();
    const proxy = net.createServer((client) => {
      const upstream = net.connect({ host: '127.0.0.1', port });
      sockets.add(client).add(upstream);
      client.on('data', (d) => upstream.write(d));
      upstream.on('data', (d) => {
        if (!held) {
          held = true;
          return;
        }
        client.write(d);
      });
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('close', end).on('error', end);
      upstream.on('close', end).on('error', end);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    closers.push(
      () =>
        new Promise<void>((r) => {
          for (const s of sockets) s.destroy();
          proxy.close(() => r());
        }),
    );
    const proxyPort = (proxy.address() as net.AddressInfo).port;
    const feed = generateFeed({ count: 20, patients: 5, seed: 'sender-resend', now: new Date() }).messages;
    const summary = await sendFeed(feed, { host: '127.0.0.1', port: proxyPort, ackTimeoutMs: 400, retryDelayMs: 50 });
    expect(summary).toMatchObject({ sent: 20, aa: 20, resent: 1 });
    const rows = await rowsOf(feed);
    expect(rows).toHaveLength(20);
    expect(rows.find((r) => r.control_id === feed[0]!.controlId)?.times_received).toBe(2);
    expect(listener.stats()).toMatchObject({ stored: 20, duplicates: 1 });
  });

  it('stops at an AR, says where and why, and sends nothing after it', async () => {
    const { port } = await listen();
    const feed = generateFeed({ count: 6, patients: 2, seed: 'sender-stop', now: new Date() }).messages.slice();
    const bad = feed[2]!;
    // Version 2.9 is not one the listener takes: AR (unsupported version).
    feed[2] = { ...bad, raw: Buffer.from(bad.raw.toString('utf8').replace('|P|2.5.1|', '|P|2.9|'), 'utf8') };
    const summary = await sendFeed(feed, { host: '127.0.0.1', port });
    expect(summary).toMatchObject({ sent: 3, aa: 2, ar: 1, ae: 0 });
    expect(summary.stopped).toMatchObject({ index: 2, controlId: bad.controlId, type: bad.type, ack: 'AR' });
    expect(summary.stopped?.reason).toMatch(/version/i);
    expect(await rowsOf(feed.slice(3))).toHaveLength(0);
  });

  it('gives up with a clear reason when nothing listens', async () => {
    // A port that was free a moment ago: connecting to it is refused.
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const deadPort = (server.address() as net.AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    const feed = generateFeed({ count: 3, patients: 1, seed: 'sender-dead', now: new Date() }).messages;
    const summary = await sendFeed(feed, { host: '127.0.0.1', port: deadPort, maxAttempts: 2, retryDelayMs: 10 });
    expect(summary).toMatchObject({ sent: 1, aa: 0, resent: 1 });
    expect(summary.stopped).toMatchObject({ index: 0 });
    expect(summary.stopped?.ack).toBeUndefined();
    expect(summary.stopped?.reason).toMatch(/no ACK after 2 attempts .*ECONNREFUSED/);
  });

  it('keeps to --rate', async () => {
    const { port } = await listen();
    const feed = generateFeed({ count: 11, patients: 3, seed: 'sender-rate', now: new Date() }).messages;
    const summary = await sendFeed(feed, { host: '127.0.0.1', port, rate: 20 });
    expect(summary.aa).toBe(11);
    // 11 messages at 20 per second: the last leaves 10 intervals (500 ms) after the first.
    expect(summary.elapsedMs).toBeGreaterThanOrEqual(490);
  });
});
