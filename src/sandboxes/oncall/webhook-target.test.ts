import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { appointmentBody, startSandbox, type RunningSandbox } from './test-harness.js';
import { isLoopbackAddress } from '../../http/access/loopback.js';
import { TARGET_REFUSED, type ResolveAll } from './webhook-target.js';

/**
 * Issue 6, item 2 (server-side request forgery): `POST /oncall/_admin/webhooks` configures only
 * loopback or allow-listed targets; a refused target is answered with a DRF 400, configures
 * nothing, and no request ever reaches it. A real listener on every interface proves the last
 * point: it would receive a webhook sent to this machine's own non-loopback address.
 */

/** This machine's first non-loopback IPv4 address (reaches a listener bound to 0.0.0.0). */
const external = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

let listener: Server;
let port: number;
const hits: string[] = [];
let sb: RunningSandbox | undefined;

beforeAll(async () => {
  listener = createServer((req, res) => {
    hits.push(`${req.method} ${req.headers.host}${req.url}`);
    req.resume();
    res.end();
  });
  await new Promise<void>((resolve) => listener.listen(0, '0.0.0.0', resolve));
  port = (listener.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((r) => listener.close(() => r()));
});
afterEach(async () => {
  await sb?.close();
  sb = undefined;
  hits.length = 0;
});

const settle = (ms = 400) => new Promise((r) => setTimeout(r, ms));

async function appointment(s: RunningSandbox): Promise<void> {
  expect((await s.call('POST', '/appointments/', appointmentBody(s.base))).status).toBe(201);
}

/** A resolver for names this machine's DNS does not know; `answers` can change between calls. */
function fakeDns(answers: Record<string, string[]>): ResolveAll {
  return async (host) => {
    const list = answers[host];
    if (!list) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

describe('OnCall sandbox webhook targets', () => {
  it('knows loopback addresses', () => {
    for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) expect(isLoopbackAddress(a), a).toBe(true);
    for (const a of ['0.0.0.0', '::', '10.0.0.1', '169.254.169.254', '192.168.1.1', '::ffff:10.0.0.1', 'fe80::1', 'localhost']) expect(isLoopbackAddress(a), a).toBe(false);
  });

  it.skipIf(!external)('refuses a non-loopback target with a DRF 400, configures nothing, and sends nothing there', async () => {
    sb = await startSandbox({ webhookResolveAll: fakeDns({ 'hooks.example': [external!] }) });
    // Sanity: the listener is reachable on that address, so a webhook sent there would arrive.
    await fetch(`http://${external}:${port}/probe`);
    expect(hits).toEqual([`GET ${external}:${port}/probe`]);
    hits.length = 0;

    for (const url of [
      `http://${external}:${port}/hooks`, // this machine, through its network interface
      `http://0.0.0.0:${port}/hooks`, // "any": connects to this machine on Linux
      `http://[::ffff:${external}]:${port}/hooks`,
      `http://hooks.example:${port}/hooks`, // a name that resolves to a non-loopback address
      'http://169.254.169.254/latest/meta-data/',
    ]) {
      const res = await sb.admin('POST', 'webhooks', { url, secret: 's' });
      expect(res.status, url).toBe(400);
      expect(res.body, url).toEqual({ url: [TARGET_REFUSED] });
    }
    expect((await sb.admin('POST', 'webhooks', { url: `http://nowhere.invalid:${port}/` })).body).toEqual({ url: ['The host name of this URL does not resolve.'] });
    expect((await sb.admin('POST', 'webhooks', { url: `http://user:pw@127.0.0.1:${port}/` })).status).toBe(400);

    expect((await sb.admin('GET', 'webhooks')).body).toMatchObject({ url: null, secretSet: false });
    await appointment(sb);
    await settle();
    expect(hits).toEqual([]);
    expect((await sb.admin('GET', 'stats')).body.webhooks).toMatchObject({ attempts: 0, delivered: 0 });
  });

  it('accepts loopback targets (addresses and names that resolve to loopback) and delivers to them', async () => {
    sb = await startSandbox();
    for (const url of [`http://localhost:${port}/a`, `http://127.0.0.1:${port}/hooks`]) {
      const res = await sb.admin('POST', 'webhooks', { url });
      expect(res.status, url).toBe(200);
    }
    await appointment(sb);
    await settle();
    expect(hits).toEqual([`POST 127.0.0.1:${port}/hooks`]);
  });

  it.skipIf(!external)('accepts hosts listed in the allow-list, by address or by name', async () => {
    sb = await startSandbox({ webhookAllowedHosts: [external!, 'hooks.example'], webhookResolveAll: fakeDns({ 'hooks.example': [external!] }) });
    expect((await sb.admin('POST', 'webhooks', { url: `http://${external}:${port}/by-address` })).status).toBe(200);
    await appointment(sb);
    await settle();
    expect(hits).toEqual([`POST ${external}:${port}/by-address`]);
    hits.length = 0;
    expect((await sb.admin('POST', 'webhooks', { url: `http://hooks.example:${port}/by-name` })).status).toBe(200);
    await appointment(sb);
    await settle();
    expect(hits).toEqual([`POST hooks.example:${port}/by-name`]);
  });

  it.skipIf(!external)('re-checks the address at send time: a name re-pointed after the check is not called', async () => {
    const answers: Record<string, string[]> = { 'rebind.example': ['127.0.0.1'] };
    sb = await startSandbox({ webhookResolveAll: fakeDns(answers) });
    expect((await sb.admin('POST', 'webhooks', { url: `http://rebind.example:${port}/hooks` })).status).toBe(200);
    answers['rebind.example'] = [external!];
    await appointment(sb);
    await settle(700);
    expect(hits).toEqual([]);
    const recent = (await sb.admin('GET', 'webhooks')).body.recent as { attempts: number; lastStatus: number | null }[];
    expect(recent[0]!.attempts).toBeGreaterThanOrEqual(1);
    expect(recent[0]!.lastStatus).toBeNull();
  });
});
