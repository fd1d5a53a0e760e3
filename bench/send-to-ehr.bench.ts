/**
 * `$send-to-ehr` end to end, the engine running as its own process (`node bin/ehr-bridge.js
 * serve`, temp SQLite), the EHR receiver (MLLP) in this process:
 *   1. accept rate and p50/p99 accept latency for 1 MB PDFs (concurrent clients);
 *   2. end-to-end deliveries per second (first accept to last document stored by the EHR);
 *   3. in the same run, the limit: this project's MLLP sender and a raw node:net socket sending
 *      the same message bytes (one of the delivered ORU^R01) to the same receiver;
 *   4. peak memory of a fresh engine process while it accepts and delivers one 20 MB document
 *      (VmHWM minus the resident size just before), against the 10x budget.
 *
 *   node bin/run-ts.js bench/send-to-ehr.bench.ts [documents=60] [concurrency=6] [sizeMB=1]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { Agent, request } from 'undici';
import { makePdf } from '../src/flows/send-to-ehr/test-helpers/engine-harness.js';
import { sendMllp } from '../src/mllp/client.js';
import { frame } from '../src/mllp/framer.js';
import { ehrSandbox, getEhrSandboxInfo } from '../src/sandboxes/ehr/index.js';
import { spawnCli, type Spawned } from '../test/helpers/processes.js';

const DOCS = Number(process.argv[2] ?? 60);
const CONCURRENCY = Number(process.argv[3] ?? 6);
const SIZE = Math.round(Number(process.argv[4] ?? 1) * 1024 * 1024);
const BIG = 20 * 1024 * 1024;

const dir = mkdtempSync(join(tmpdir(), 'ehrb-bench-ehr-'));
const receiver = Fastify();
await receiver.register(ehrSandbox, { prefix: '/ehr', mllpPort: 0, maxItems: DOCS + 100 });
await receiver.ready();
const rx = getEhrSandboxInfo(receiver);
const agent = new Agent({ connections: CONCURRENCY + 2 });

function engineEnv(db: string): Record<string, string> {
  return {
    EHR_BRIDGE_DATABASE_URL: join(dir, db),
    EHR_BRIDGE_ADMIN_PASSWORD: 'bench password 1',
    HOST: '127.0.0.1',
    // The route below has an address, which turns the sandboxes off by default; the FHIR EMR sandbox is the bench's EMR.
    EHR_BRIDGE_SANDBOXES: 'true',
    EHR_BRIDGE_EHR_MLLP_PORT: '0',
    EHR_BRIDGE_WORKER_CONCURRENCY: '4',
    EHR_BRIDGE_EHR_ROUTES: JSON.stringify({ default: { transport: { kind: 'mllp', host: rx.mllpHost, port: rx.mllpPort, ackTimeoutMs: 60_000 } } }),
  };
}

async function startEngine(db: string): Promise<{ proc: Spawned; url: string; token: string; patientId: string; encounterId: string }> {
  const create = spawnCli(['clients', 'create', '--name', 'bench', '--scope', 'SEND_TO_EHR PATIENT_GAM_SEARCH'], engineEnv(db));
  if ((await create.exited()) !== 0) throw new Error(create.output());
  const id = /client_id:\s+(\S+)/.exec(create.output())![1]!;
  const secret = /client_secret:\s+(\S+)/.exec(create.output())![1]!;
  const proc = spawnCli(['serve', '--port', '0'], engineEnv(db));
  const url = (await proc.waitFor(/FHIR API\s+(http:\/\/127\.0\.0\.1:\d+)\/fhir/, 60_000))[1]!;
  const t = await fetch(`${url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: id, client_secret: secret }),
  });
  const token = ((await t.json()) as { access_token: string }).access_token;
  const enc = (await (await fetch(`${url}/fhir/Encounter?status=finished&_count=1`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
    entry: { resource: { id: string; subject: { reference: string } } }[];
  };
  const e = enc.entry[0]!.resource;
  return { proc, url, token, patientId: e.subject.reference.split('/')[1]!, encounterId: e.id };
}

const basePdf = await makePdf('bench document');
/** A real PDF followed by random bytes up to `size`: a valid header, distinct content each time. */
function pdfOf(size: number): Buffer {
  return Buffer.concat([basePdf, randomBytes(Math.max(0, size - basePdf.length))]);
}

function body(patientId: string, encounterId: string, pdf: Buffer): string {
  return JSON.stringify({
    resourceType: 'Parameters',
    parameter: [
      { name: 'subject', valueReference: { reference: `Patient/${patientId}` } },
      { name: 'context', valueReference: { reference: `Encounter/${encounterId}` } },
      { name: 'content-type', valueCode: 'application/pdf' },
      { name: 'document-type', valueCode: '11488-4' },
      { name: 'document-title', valueString: 'Bench compte rendu' },
      { name: 'sender-identifier', valueString: '12345678910' },
      { name: 'payload', valueString: pdf.toString('base64') },
    ],
  });
}

async function send(url: string, token: string, payload: string): Promise<number> {
  const t0 = performance.now();
  const res = await request(`${url}/fhir/CommunicationRequest/$send-to-ehr`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
    body: payload,
    dispatcher: agent,
  });
  await res.body.text();
  if (res.statusCode !== 200) throw new Error(`send answered ${res.statusCode}`);
  return performance.now() - t0;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const accepted = () => rx.store.list().filter((i) => i.accepted).length;
const lines: string[] = [];
const out = (s: string) => {
  lines.push(s);
  process.stdout.write(`${s}\n`);
};

// ---- 1 + 2: accept and deliver DOCS documents (documents=0 runs only the memory part) ---------
async function throughput(): Promise<void> {
const engine = await startEngine('bench.sqlite');
try {
  // Warm-up: one document through the whole path (JIT, connections, prepared statements).
  await send(engine.url, engine.token, body(engine.patientId, engine.encounterId, pdfOf(SIZE)));
  while (accepted() < 1) await new Promise((r) => setTimeout(r, 10));
  rx.store.reset();

  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < DOCS) {
        next++;
        // Built outside the timing: the client's base64 encoding is not the server's latency.
        const payload = body(engine.patientId, engine.encounterId, pdfOf(SIZE));
        latencies.push(await send(engine.url, engine.token, payload));
      }
    }),
  );
  const tAccepted = performance.now();
  while (accepted() < DOCS) await new Promise((r) => setTimeout(r, 5));
  const tDelivered = performance.now();
  latencies.sort((a, b) => a - b);
  const acceptSec = (tAccepted - t0) / 1000;
  const e2eSec = (tDelivered - t0) / 1000;
  out(`documents                 ${DOCS} x ${(SIZE / 1024 / 1024).toFixed(1)} MB PDF, ${CONCURRENCY} concurrent clients, SQLite, worker concurrency 4`);
  out(`accept rate               ${(DOCS / acceptSec).toFixed(1)} req/s  (${((DOCS * SIZE) / 1024 / 1024 / acceptSec).toFixed(1)} MB/s of documents)`);
  out(`accept latency            p50 ${pct(latencies, 50).toFixed(0)} ms   p99 ${pct(latencies, 99).toFixed(0)} ms   max ${latencies[latencies.length - 1]!.toFixed(0)} ms`);
  out(`end-to-end deliveries     ${(DOCS / e2eSec).toFixed(1)} documents/s stored by the EHR (first accept to last ACK, ${e2eSec.toFixed(1)} s)`);

  // ---- 3: the limit, same receiver, same bytes ---------------------------------------------
  const message = Buffer.from(rx.store.list().find((i) => i.accepted)!.raw, 'utf8');
  const K = Math.max(10, Math.min(DOCS, 40));
  const opts = { host: rx.mllpHost, port: rx.mllpPort, connectTimeoutMs: 2000, ackTimeoutMs: 30_000 };
  const raw = (m: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const s = net.connect(rx.mllpPort, rx.mllpHost, () => s.write(frame(m)));
      let got = Buffer.alloc(0);
      s.on('data', (d) => {
        got = Buffer.concat([got, d]);
        if (got.includes(Buffer.from([0x1c, 0x0d]))) {
          s.destroy();
          resolve();
        }
      });
      s.on('error', reject);
    });
  const timeIt = async (fn: () => Promise<unknown>) => {
    const s = performance.now();
    for (let i = 0; i < K; i++) await fn();
    return (performance.now() - s) / 1000;
  };
  // Alternate twice and keep the best of each: the machine is shared.
  let bestClient = Infinity;
  let bestRaw = Infinity;
  for (let round = 0; round < 2; round++) {
    bestClient = Math.min(bestClient, await timeIt(() => sendMllp(opts, message)));
    bestRaw = Math.min(bestRaw, await timeIt(() => raw(message)));
  }
  out(`MLLP sender (same bytes)  ${(K / bestClient).toFixed(1)} msg/s  one connection per message, sequential, ${(message.length / 1024 / 1024).toFixed(2)} MB messages`);
  out(`raw socket  (same bytes)  ${(K / bestRaw).toFixed(1)} msg/s  (the limit of this receiver for one sequential sender)`);
} finally {
  engine.proc.kill('SIGTERM');
  await engine.proc.exited();
}
}

// ---- 4: peak memory for one 20 MB document, fresh process ---------------------------------------
async function memory(): Promise<void> {
rx.store.reset();
const engine = await startEngine('big.sqlite');
try {
  await send(engine.url, engine.token, body(engine.patientId, engine.encounterId, pdfOf(SIZE)));
  while (accepted() < 1) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 500));
  const status = () => readFileSync(`/proc/${engine.proc.child.pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status())![1]) * 1024;
  // Reset the high-water mark so the peak is this document's (Linux: write 5 to clear_refs).
  let hwmReset = true;
  try {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`/proc/${engine.proc.child.pid}/clear_refs`, '5');
  } catch {
    hwmReset = false;
  }
  const before = kb('VmRSS');
  const hwmBefore = kb('VmHWM');
  const bigBody = body(engine.patientId, engine.encounterId, pdfOf(BIG));
  const t = performance.now();
  const latency = await send(engine.url, engine.token, bigBody);
  while (accepted() < 2) await new Promise((r) => setTimeout(r, 10));
  const total = (performance.now() - t) / 1000;
  const peak = kb('VmHWM');
  const delta = peak - before;
  out(`20 MB document            accepted in ${latency.toFixed(0)} ms, stored by the EHR ${total.toFixed(1)} s after the request`);
  out(
    `peak memory (engine)      +${(delta / 1024 / 1024).toFixed(0)} MB over ${(before / 1024 / 1024).toFixed(0)} MB resident = ${(delta / BIG).toFixed(1)}x the document (budget 10x)` +
      (hwmReset ? '' : `  [VmHWM not resettable; high-water mark before: ${(hwmBefore / 1024 / 1024).toFixed(0)} MB]`),
  );
} finally {
  engine.proc.kill('SIGTERM');
  await engine.proc.exited();
}
}

try {
  if (DOCS > 0) await throughput();
  await memory();
} finally {
  await agent.close();
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
}
