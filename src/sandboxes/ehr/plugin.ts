import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type tls from 'node:tls';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { Hl7Charset } from '../../hl7/charset.js';
import { buildAck, HL7_ERROR_CODES } from '../../hl7/ack.js';
import { createMllpServer, type MllpServer } from '../../mllp/server.js';
import { downloadHeaders, safeDocumentType } from './download-headers.js';
import { DropScanner } from './drop-scanner.js';
import { receiveHl7 } from './receive-hl7.js';
import { receiveJsonDocument } from './receive-json.js';
import { EhrSandboxStore, SANDBOX_ACK_MODES, type ReceivedItem } from './store.js';
import { listQuery, summarise } from './listing.js';

/**
 * A hospital EHR that receives documents, for development and end-to-end tests: an MLLP
 * listener (HL7 ORU^R01 / MDM^T02; also ADT^A04/A08 and SIU^S12-S15, so it can play the HL7
 * EMR the sync writes patients and appointments to), a drop folder (HPRIM `.HPR` + document, `.hl7`, `.json`,
 * each announced by a `.OK` marker) and `POST <prefix>/json`. Everything received is listed
 * by the admin API; the answer mode (AA, AE, AR, none) is switchable at run time.
 *
 * Mount: `app.register(ehrSandbox, { prefix: '/sandbox/ehr', mllpPort: 0, dropDir })`.
 * The MLLP listener and the folder scanner start in onReady and stop in onClose; read the
 * actual port with `getEhrSandboxInfo(app)` once the app is ready.
 */
export interface EhrSandboxOptions {
  /** 0 (default): any free port. */
  mllpPort?: number;
  mllpHost?: string;
  /** Serve MLLP over TLS. */
  mllpTls?: tls.TlsOptions;
  /**
   * Largest MLLP frame read (default SANDBOX_EHR_MAX_FRAME_BYTES or 32 MiB: an ORU carrying the
   * engine's largest document, 20 MB in base64). A larger one is answered AR and the
   * connection closed, without buffering the rest.
   */
  maxFrameBytes?: number;
  /** Charset assumed when MSH-18 is empty (default UTF-8). */
  defaultCharset?: Hl7Charset;
  /** Drop folder to scan; default a fresh temporary folder (removed on close). */
  dropDir?: string;
  pollIntervalMs?: number;
  markerExtension?: string;
  /** Max JSON body (default 128 MB: documents are big). */
  bodyLimit?: number;
  /** Items kept in memory (default 500). */
  maxItems?: number;
  /** Bytes kept in memory, texts and documents together (default SANDBOX_EHR_MAX_STORED_BYTES or 64 MiB). */
  maxStoredBytes?: number;
}

export const DEFAULT_SANDBOX_MAX_FRAME_BYTES = 32 * 1024 * 1024;

/** A positive whole number from the environment, else undefined (the plugin's and the engine's one reading). */
export function positiveFromEnv(name: string): number | undefined {
  const v = Number(process.env[name]);
  return Number.isSafeInteger(v) && v > 0 ? v : undefined;
}

export interface EhrSandboxInfo {
  mllpHost: string;
  /** Bound MLLP port (after onReady). */
  mllpPort: number;
  dropDir: string;
  processedDir: string;
  store: EhrSandboxStore;
}

const sandboxes = new WeakMap<Server, EhrSandboxInfo>();

/** The sandbox mounted on this app (any encapsulation level: they share one server). */
export function getEhrSandboxInfo(app: FastifyInstance): EhrSandboxInfo {
  const info = sandboxes.get(app.server);
  if (!info) throw new Error('ehrSandbox is not registered on this app');
  if (info.mllpPort === 0 && info.mllpHost === '') throw new Error('ehrSandbox is not ready yet (await app.ready())');
  return info;
}

const modeBody = z.object({ ack: z.enum(SANDBOX_ACK_MODES) });

export const ehrSandbox: FastifyPluginAsync<EhrSandboxOptions> = async (app, opts) => {
  const store = new EhrSandboxStore({ maxItems: opts.maxItems, maxBytes: opts.maxStoredBytes ?? positiveFromEnv('SANDBOX_EHR_MAX_STORED_BYTES') });
  const maxFrameBytes = opts.maxFrameBytes ?? positiveFromEnv('SANDBOX_EHR_MAX_FRAME_BYTES') ?? DEFAULT_SANDBOX_MAX_FRAME_BYTES;
  const info: EhrSandboxInfo = { mllpHost: '', mllpPort: 0, dropDir: opts.dropDir ?? '', processedDir: '', store };
  sandboxes.set(app.server, info);
  let createdDropDir = false;
  let mllp: MllpServer | undefined;
  let scanner: DropScanner | undefined;
  /** HTTP requests held open in mode `none`, released by reset or close. */
  const held = new Set<() => void>();
  const releaseHeld = (): void => {
    for (const release of held) release();
    held.clear();
  };

  app.addHook('onReady', async () => {
    mllp = createMllpServer({
      maxFrameBytes,
      tls: opts.mllpTls,
      onMessage: async (raw) => receiveHl7(raw, 'mllp', store, { fallbackCharset: opts.defaultCharset }).ack,
      oversizeReply: () => {
        const reason = `frame over ${maxFrameBytes} bytes refused`;
        store.add({ transport: 'mllp', controlId: null, messageType: null, ack: 'AR', accepted: false, errors: [reason], raw: '', rawElided: '' });
        // The header was never read: an AR with an empty MSA-2, as for an unreadable message.
        return Buffer.from(buildAck(null, { ackCode: 'AR', text: reason, errors: [{ ...HL7_ERROR_CODES.applicationError, message: reason }] }), 'utf8');
      },
    });
    const bound = await mllp.listen(opts.mllpPort ?? 0, opts.mllpHost ?? '127.0.0.1');
    info.mllpHost = bound.host;
    info.mllpPort = bound.port;
    if (!info.dropDir) {
      info.dropDir = await mkdtemp(join(tmpdir(), 'ehr-sandbox-drop-'));
      createdDropDir = true;
    }
    scanner = new DropScanner({ dir: info.dropDir, store, pollIntervalMs: opts.pollIntervalMs, markerExtension: opts.markerExtension });
    info.processedDir = scanner.processedDir;
    await scanner.start();
  });

  app.addHook('preClose', async () => {
    releaseHeld();
  });

  app.addHook('onClose', async () => {
    await scanner?.stop();
    await mllp?.close();
    if (createdDropDir) await rm(info.dropDir, { recursive: true, force: true });
  });

  // Keep the body as text: it is stored as received, and parsed against the schema here.
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: opts.bodyLimit ?? 128 * 1024 * 1024 }, (_req, body, done) => {
    done(null, body);
  });

  app.post('/json', async (req, reply) => {
    const mode = store.mode;
    const text = typeof req.body === 'string' ? req.body : '';
    if (mode === 'none') {
      // Accept the connection, never answer: the sender's timeout decides (ambiguous).
      await new Promise<void>((resolve) => {
        const release = (): void => resolve();
        held.add(release);
        // The response's 'close' fires if the client gives up (the request's fires as soon as
        // its body has been read).
        reply.raw.once('close', () => {
          held.delete(release);
          resolve();
        });
      });
      store.add({ transport: 'http', controlId: null, messageType: 'JSON', ack: null, accepted: false, errors: ['sandbox mode none: not answered'], raw: text, rawElided: '' });
      return reply.code(503).send({ status: 'unavailable' });
    }
    if (mode === 'AE' || mode === 'AR') {
      store.add({ transport: 'http', controlId: null, messageType: 'JSON', ack: mode, accepted: false, errors: [`sandbox mode ${mode}`], raw: text, rawElided: '' });
      if (mode === 'AR') return reply.code(503).header('retry-after', '1').send({ status: 'unavailable' });
      return reply.code(422).send({ status: 'rejected', errors: [`rejected by sandbox mode ${mode}`] });
    }
    const result = receiveJsonDocument(text, 'http', store);
    if (result.status === 'invalid') return reply.code(422).send({ status: 'rejected', errors: result.errors });
    return reply.code(200).send({ status: result.status, id: result.itemId, transactionId: result.transactionId });
  });

  // Never the whole store at once: a page of summaries (no message text beyond a short preview,
  // no document), then one item, its text or its document on their own routes.
  app.get('/_admin/received', async (req, reply) => {
    const query = listQuery(req.query);
    if (!query.ok) return reply.code(400).send({ error: query.error });
    const page = store.page(query.value);
    return {
      items: page.items.map(summarise),
      nextBefore: page.nextBefore,
      total: store.list().length,
      storedBytes: store.storedBytes,
      maxStoredBytes: store.maxBytes,
      duplicates: store.duplicates,
      mode: store.mode,
    };
  });

  app.get('/_admin/received/:id', async (req, reply) => {
    const item = store.get((req.params as { id: string }).id);
    if (!item) return reply.code(404).send({ error: 'no such item' });
    const { raw: _raw, ...rest } = item;
    return rest;
  });

  app.get('/_admin/received/:id/raw', async (req, reply) => {
    const item = store.get((req.params as { id: string }).id);
    if (!item || item.notKept) return reply.code(404).send({ error: 'no message text for this id' });
    return reply.headers(downloadHeaders('text/plain; charset=utf-8', `message-${item.id}`)).send(item.raw);
  });

  app.get('/_admin/received/:id/document', async (req, reply) => {
    const { id } = req.params as { id: string };
    const item = store.get(id);
    const bytes = store.document(id);
    if (!item || !bytes) return reply.code(404).send({ error: 'no document for this id' });
    const type = safeDocumentType(item.document?.contentType);
    return reply.headers(downloadHeaders(type, `document-${item.id}`)).send(bytes);
  });

  app.post('/_admin/mode', async (req, reply) => {
    const body = modeBody.safeParse(typeof req.body === 'string' ? safeJson(req.body) : req.body);
    if (!body.success) return reply.code(400).send({ error: 'body must be {"ack": "AA"|"AE"|"AR"|"none"}' });
    store.mode = body.data.ack;
    if (store.mode !== 'none') releaseHeld();
    return { mode: store.mode };
  });

  app.post('/_admin/reset', async () => {
    releaseHeld();
    store.reset();
    return { ok: true };
  });
};

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
