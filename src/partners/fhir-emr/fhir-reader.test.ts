import { Readable, Writable } from 'node:stream';
import type { Encounter, Patient } from '@medplum/fhirtypes';
import Fastify from 'fastify';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../../sandboxes/fhir-emr/test-host.js';
import { isPartnerError, type PartnerError } from '../partner-error.js';
import { authMessage } from './fhir-http.js';
import { FhirReader, type FhirReaderOptions } from './fhir-reader.js';
import { ndjsonLines } from './ndjson-lines.js';

const FIRST_ID = '6310efc1-0a81-76ce-bcdc-8f2995ff9fee';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function failure(p: Promise<unknown>): Promise<PartnerError> {
  try {
    await p;
  } catch (e) {
    if (isPartnerError(e)) return e;
    throw e;
  }
  throw new Error('expected a PartnerError');
}

interface Stats {
  requests: { byInteraction: Record<string, number> };
  exportJobs: number;
}
const stats = async (host: TestHost): Promise<Stats> => (await (await fetch(`${host.baseUrl}/_admin/stats`)).json()) as Stats;
const resetStats = (host: TestHost) => fetch(`${host.baseUrl}/_admin/reset`, { method: 'POST' });

const readers: FhirReader[] = [];
function reader(host: TestHost | string, opts: Partial<FhirReaderOptions> = {}): FhirReader {
  const r = new FhirReader({ baseUrl: typeof host === 'string' ? host : host.baseUrl, retryBaseDelayMs: 5, ...opts });
  readers.push(r);
  return r;
}
afterEach(async () => {
  await Promise.all(readers.splice(0).map((r) => r.close()));
});

describe('FhirReader against the sandbox EMR', () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startTestHost({ exportDelayMs: 0, exportFileMaxResources: 200 });
  });
  afterAll(() => host.close());

  it('reads every patient through paging, following next links only', async () => {
    await resetStats(host);
    const r = reader(host);
    const t0 = performance.now();
    const patients = await collect(r.searchAll<Patient>('Patient', {}, { pageSize: 50 }));
    const ms = performance.now() - t0;
    expect(patients).toHaveLength(543);
    expect(new Set(patients.map((p) => p.id)).size).toBe(543);
    const s = await stats(host);
    expect(s.requests.byInteraction['search-type']).toBe(11);
    console.log(`fhir-reader paging: 11 pages of 50 in ${ms.toFixed(0)} ms (${((11 / ms) * 1000).toFixed(0)} pages/s)`);
  });

  it('passes search parameters and reads single resources', async () => {
    const r = reader(host);
    const encounters = await collect(r.searchAll<Encounter>('Encounter', { patient: `Patient/${FIRST_ID}` }, { pageSize: 1 }));
    expect(encounters.length).toBeGreaterThanOrEqual(1);
    expect(encounters.every((e) => e.subject?.reference === `Patient/${FIRST_ID}`)).toBe(true);
    const p = await r.read<Patient>('Patient', FIRST_ID);
    expect(p.name?.[0]?.family).toBe('VonRueden376');
    const missing = await failure(r.read('Patient', 'nope'));
    expect(missing.kind).toBe('permanent');
    expect(missing.status).toBe(404);
  });

  it('reads every patient through $export when the server offers it', async () => {
    await resetStats(host);
    const r = reader(host);
    expect(await r.supportsBulkExport()).toBe(true);
    const t0 = performance.now();
    const patients = await collect(r.readAll<Patient>('Patient'));
    const ms = performance.now() - t0;
    expect(patients).toHaveLength(543);
    expect(new Set(patients.map((p) => p.id)).size).toBe(543);
    const s = await stats(host);
    expect(s.requests.byInteraction['export-kickoff-system']).toBe(1);
    expect(s.requests.byInteraction['export-file']).toBe(3); // 200 per file
    expect(s.requests.byInteraction['search-type']).toBeUndefined();
    expect(s.exportJobs).toBe(0); // deleted after download
    console.log(`fhir-reader $export: 543 patients in ${ms.toFixed(0)} ms`);
  });

  it('cancels the export job when the caller stops early', async () => {
    await resetStats(host);
    const r = reader(host);
    let n = 0;
    for await (const _ of r.bulkExport<Patient>(['Patient'])) if (++n === 5) break;
    const s = await stats(host);
    expect(s.requests.byInteraction['export-delete']).toBe(1);
    expect(s.exportJobs).toBe(0);
  });

  it('passes _since to the export', async () => {
    const r = reader(host);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect(await collect(r.bulkExport(['Patient', 'Encounter'], { since: future }))).toEqual([]);
  });
});

describe('FhirReader export polling', () => {
  it('polls the status URL honouring Retry-After until the manifest is ready', async () => {
    const host = await startTestHost({ exportDelayMs: 300 });
    try {
      const r = reader(host, { maxRetries: 0 });
      const t0 = performance.now();
      const practitioners = await collect(r.bulkExport(['Practitioner'], { pollIntervalMs: 10 }));
      expect(practitioners).toHaveLength(1436);
      // The sandbox answers Retry-After: 1 while running; the reader waits that long, not 10 ms.
      expect(performance.now() - t0).toBeGreaterThanOrEqual(950);
      const s = await stats(host);
      expect(s.requests.byInteraction['export-status']).toBe(2);
    } finally {
      await host.close();
    }
  });
});

describe('FhirReader fallbacks and failures', () => {
  it('falls back to paged search when the server does not advertise $export', async () => {
    const host = await startTestHost({ bulkExport: false });
    try {
      const r = reader(host);
      expect(await r.supportsBulkExport()).toBe(false);
      const patients = await collect(r.readAll<Patient>('Patient', { pageSize: 200 }));
      expect(patients).toHaveLength(543);
      expect(new Set(patients.map((p) => p.id)).size).toBe(543);
      const s = await stats(host);
      expect(s.requests.byInteraction['search-type']).toBe(3);
      expect(s.requests.byInteraction['export-kickoff-system']).toBeUndefined();
    } finally {
      await host.close();
    }
  });

  it('retries 503 and 429 (honouring Retry-After) on reads and pages, without logging search values', async () => {
    let searches = 0;
    let reads = 0;
    const host = await startTestHost({
      setup: (app) => {
        app.addHook('onRequest', async (req, reply) => {
          if (req.method !== 'GET') return;
          if (req.url.includes('/Patient?') && req.url.includes('_getpages') && ++searches <= 2) {
            return reply.code(503).header('retry-after', '0').send({ resourceType: 'OperationOutcome', issue: [{ code: 'transient' }] });
          }
          if (req.url.endsWith(`/Patient/${FIRST_ID}`) && ++reads === 1) {
            return reply.code(429).header('retry-after', '1').send();
          }
        });
      },
    });
    const logged: string[] = [];
    const logger = pino({ level: 'debug' }, new Writable({ write: (c, _e, cb) => (logged.push(String(c)), cb()) }));
    try {
      const r = reader(host, { logger, maxRetries: 3 });
      const patients = await collect(r.searchAll<Patient>('Patient', { family: 'Secretfamily,VonRueden376,' + 'a', 'family:missing': 'false' }, { pageSize: 1 }));
      expect(patients.length).toBeGreaterThan(2);
      expect(searches).toBeGreaterThan(2);
      const t0 = performance.now();
      expect((await r.read<Patient>('Patient', FIRST_ID)).id).toBe(FIRST_ID);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(950);
      expect(logged.filter((l) => l.includes('retrying'))).toHaveLength(3);
      expect(logged.join('\n')).not.toMatch(/Secretfamily|VonRueden/);
    } finally {
      await host.close();
    }
  });

  it('gives up after maxRetries with a transient error', async () => {
    let hits = 0;
    const host = await startTestHost({
      setup: (app) => {
        app.addHook('onRequest', async (req, reply) => {
          if (req.url.includes('/Encounter')) {
            hits++;
            return reply.code(503).send();
          }
        });
      },
    });
    try {
      const e = await failure(collect(reader(host, { maxRetries: 2 }).searchAll('Encounter', {})));
      expect(e.kind).toBe('transient');
      expect(e.status).toBe(503);
      expect(hits).toBe(3);
    } finally {
      await host.close();
    }
  });

  it('classifies 401/403 as auth with one clear message', async () => {
    const host = await startTestHost({ bearerToken: 'right-token' });
    try {
      expect((await reader(host, { bearerToken: 'right-token' }).read<Patient>('Patient', FIRST_ID)).id).toBe(FIRST_ID);
      const e = await failure(collect(reader(host, { bearerToken: 'wrong-token' }).searchAll('Patient', {})));
      expect(e.kind).toBe('auth');
      expect(e.status).toBe(401);
      expect(e.message).toBe(authMessage(401));
      const none = await failure(reader(host).readAll('Patient').next());
      expect(none.kind).toBe('auth');
    } finally {
      await host.close();
    }
  });

  it('keeps resource content out of error messages', async () => {
    const host = await startTestHost({
      setup: (app) => {
        app.addHook('onRequest', async (req, reply) => {
          if (req.url.includes('/Patient?')) {
            return reply
              .code(400)
              .type('application/fhir+json')
              .send({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', diagnostics: 'family Secretfamily is bad' }] });
          }
        });
      },
    });
    try {
      const e = await failure(collect(reader(host).searchAll('Patient', { family: 'Secretfamily' })));
      expect(e.kind).toBe('permanent');
      expect(e.message).toContain('[invalid]');
      expect(e.message).not.toContain('Secretfamily');
    } finally {
      await host.close();
    }
  });

  it('reports an unreachable server as transient after its retries', async () => {
    const probe = Fastify();
    const origin = await probe.listen({ port: 0, host: '127.0.0.1' });
    await probe.close();
    const e = await failure(reader(`${origin}/fhir`, { maxRetries: 1 }).read('Patient', '1'));
    expect(e.kind).toBe('transient');
    expect(e.message).toMatch(/could not be reached/);
  });

  it('resumes an export file cut mid-stream without yielding any resource twice', async () => {
    let cuts = 0;
    const host = await startTestHost({
      exportDelayMs: 0,
      setup: (app) => {
        app.addHook('onSend', async (req, _reply, payload) => {
          if (!req.url.includes('/_bulk-files/') || cuts++ > 0) return payload;
          const source = payload as Readable;
          // Sends ~20 kB of the file, then resets the connection.
          async function* truncated(): AsyncGenerator<string> {
            for await (const chunk of source) {
              yield String(chunk).slice(0, 20_000);
              await new Promise((r) => setTimeout(r, 50));
              throw new Error('injected reset');
            }
          }
          return Readable.from(truncated());
        });
      },
    });
    try {
      const patients = await collect(reader(host).bulkExport<Patient>(['Patient']));
      expect(cuts).toBe(2);
      expect(patients).toHaveLength(543);
      expect(new Set(patients.map((p) => p.id)).size).toBe(543);
    } finally {
      await host.close();
    }
  });

  it('refuses to follow a next link to another origin', async () => {
    const rogue = Fastify();
    rogue.get('/fhir/Patient', async (_req, reply) =>
      reply.type('application/fhir+json').send({
        resourceType: 'Bundle',
        type: 'searchset',
        link: [{ relation: 'next', url: 'http://elsewhere.invalid/fhir/Patient?page=2' }],
        entry: [{ resource: { resourceType: 'Patient', id: 'p1' }, search: { mode: 'match' } }],
      }),
    );
    const origin = await rogue.listen({ port: 0, host: '127.0.0.1' });
    try {
      const seen: string[] = [];
      const e = await failure(
        (async () => {
          for await (const p of reader(`${origin}/fhir`, { bearerToken: 'tok' }).searchAll('Patient', {})) seen.push(p.id ?? '');
        })(),
      );
      expect(seen).toEqual(['p1']);
      expect(e.kind).toBe('permanent');
      expect(e.message).toMatch(/another origin/);
    } finally {
      await rogue.close();
    }
  });
});

describe('ndjsonLines', () => {
  it('splits lines across chunk and multi-byte character boundaries', async () => {
    const bytes = Buffer.from('{"a":"é"}\r\n\n{"b":2}\n{"c":3}');
    const chunks = [bytes.subarray(0, 7), bytes.subarray(7, 8), bytes.subarray(8, 15), bytes.subarray(15)];
    const lines = await collect(ndjsonLines((async function* () {
      yield* chunks;
    })()));
    expect(lines).toEqual(['{"a":"é"}', '{"b":2}', '{"c":3}']);
  });
});
