/**
 * MLLP send throughput: this project's client against the EHR receiver sandbox, with 1 MB PDF
 * documents in ORU^R01 messages, compared with a raw node:net socket writing the same framed
 * bytes and waiting for each ACK (the ceiling for one connection and this receiver).
 *
 *   node bin/run-ts.js bench/mllp-send.bench.ts [messages=20] [pdfBytes=1048576] [rounds=3]
 *
 * The three senders run in alternation for several rounds and the best round of each is
 * reported: on a shared machine the worst rounds measure the neighbours, not the code.
 */
import net from 'node:net';
import Fastify from 'fastify';
import { sampleInput, samplePdf } from '../src/hl7/test-helpers/sample-input.js';
import { MllpConnection, sendMllp } from '../src/mllp/client.js';
import { frame, MllpDeframer } from '../src/mllp/framer.js';
import { renderForEhr } from '../src/partners/ehr/formats/index.js';
import { ehrSandbox, getEhrSandboxInfo } from '../src/sandboxes/ehr/index.js';

const COUNT = Number(process.argv[2] ?? 20);
const PDF_BYTES = Number(process.argv[3] ?? 1024 * 1024);
const ROUNDS = Number(process.argv[4] ?? 3);
const WARMUP = 3;

const app = Fastify();
await app.register(ehrSandbox, { prefix: '/sandbox/ehr', maxItems: 5 });
await app.ready();
const { mllpHost: host, mllpPort: port, store } = getEhrSandboxInfo(app);
const opts = { host, port, connectTimeoutMs: 2000, ackTimeoutMs: 10_000 };

const pdf = samplePdf(PDF_BYTES);
function messages(tag: string, n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => {
    const input = sampleInput({ controlId: `${tag}-${i}` });
    return renderForEhr('hl7-oru', { ...input, document: { ...input.document, data: pdf } }).main.bytes;
  });
}

interface Result {
  name: string;
  seconds: number;
  /** CPU time of this process (client and receiver share it) during the run. */
  cpuSeconds: number;
  bytes: number;
  count: number;
}

async function run(name: string, tag: string, send: (m: Buffer) => Promise<Buffer>): Promise<Result> {
  for (const m of messages(`${tag}W`, WARMUP)) await send(m);
  const batch = messages(tag, COUNT);
  store.reset();
  const bytes = batch.reduce((n, m) => n + m.length, 0);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (const m of batch) {
    const ack = await send(m);
    if (!ack.includes('MSA|AA')) throw new Error(`${name}: not acknowledged AA`);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  if (store.list().length !== Math.min(COUNT, 5)) throw new Error(`${name}: receiver did not store the messages`);
  return { name, seconds, cpuSeconds, bytes, count: COUNT };
}

/** The ceiling: one raw socket, framed bytes written, the ACK read with a minimal scan. */
async function rawSocket(): Promise<{ send: (m: Buffer) => Promise<Buffer>; close: () => void }> {
  const sock = net.connect({ host, port });
  await new Promise((r) => sock.once('connect', r));
  sock.setNoDelay(true);
  const deframer = new MllpDeframer();
  let waiting: ((ack: Buffer) => void) | undefined;
  sock.on('data', (c: Buffer) => {
    for (const f of deframer.feed(c)) waiting?.(f);
  });
  return {
    send: (m) =>
      new Promise<Buffer>((resolve) => {
        waiting = resolve;
        sock.write(frame(m));
      }),
    close: () => sock.destroy(),
  };
}

const best = new Map<string, Result>();
const keep = (r: Result): void => {
  const prev = best.get(r.name);
  if (!prev || r.seconds < prev.seconds) best.set(r.name, r);
};
for (let round = 0; round < ROUNDS; round++) {
  keep(await run('sendMllp (one connection per message)', `A${round}`, (m) => sendMllp(opts, m)));
  const conn = new MllpConnection(opts);
  keep(await run('MllpConnection (reused connection)', `B${round}`, (m) => conn.send(m)));
  conn.close();
  const raw = await rawSocket();
  keep(await run('raw node:net socket (ceiling)', `C${round}`, raw.send));
  raw.close();
}
const results = [...best.values()];

const ceiling = results[2] as Result;
console.log(`MLLP send to the EHR sandbox: ${COUNT} ORU^R01 messages, ${(PDF_BYTES / 1048576).toFixed(2)} MB PDF each ` +
  `(${((results[0] as Result).bytes / COUNT / 1048576).toFixed(2)} MB per message after base64), sequential, one in flight, best of ${ROUNDS} rounds`);
for (const r of results) {
  const mps = r.count / r.seconds;
  const mbps = r.bytes / 1048576 / r.seconds;
  const vs = (mps / (ceiling.count / ceiling.seconds)) * 100;
  console.log(`  ${r.name.padEnd(40)} ${mps.toFixed(1).padStart(7)} msg/s ${mbps.toFixed(1).padStart(7)} MB/s  ${vs.toFixed(0).padStart(4)}% of raw  cpu ${((r.cpuSeconds / r.count) * 1000).toFixed(1)} ms/msg`);
}
await app.close();
