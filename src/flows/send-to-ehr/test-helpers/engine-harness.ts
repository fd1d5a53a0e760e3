import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle, Encounter, Patient } from '@medplum/fhirtypes';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { createPgDatabase, type TestDialect } from '../../../../test/helpers/stores.js';
import { createOauthClient } from '../../../http/oauth/clients.js';
import { getEhrSandboxInfo, type EhrSandboxInfo, type ReceivedItem } from '../../../sandboxes/ehr/index.js';
import { startServer, type RunningServer } from '../../../server/start.js';

/**
 * A real engine on a real port (SQLite file or a fresh PostgreSQL database), with the embedded
 * sandboxes (FHIR EMR, EHR receiver with its MLLP listener on a free port), an OAuth client
 * holding both scopes, and helpers to talk to it as a Lifen client would.
 */
export interface EngineHarness {
  server: RunningServer;
  url: string;
  fhir: string;
  clientId: string;
  clientSecret: string;
  token: string;
  /** A fresh token (e.g. after a retention run in the future purged the old one). */
  renewToken(): Promise<string>;
  receiver(): EhrSandboxInfo;
  received(): readonly ReceivedItem[];
  setAckMode(mode: 'AA' | 'AE' | 'AR' | 'none'): Promise<void>;
  fhirCall(path: string, init?: RequestInit & { token?: string | null }): Promise<{ status: number; body: any; headers: Headers }>;
  sendToEhr(parameters: unknown[], opts?: { token?: string | null; contentType?: string }): Promise<{ status: number; body: any; headers: Headers }>;
  waitForStatus(trackingUrl: string, statuses: string[], timeoutMs?: number): Promise<any>;
  /** A sandbox patient with an encounter (both ids). */
  patientWithEncounter(): Promise<{ patient: Patient; encounter: Encounter }>;
  close(): Promise<void>;
}

export async function makePdf(text = 'ehr-bridge test document', pages = 1): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (let i = 0; i < pages; i++) pdf.addPage([595, 842]).drawText(`${text} (${i + 1})`, { x: 50, y: 780, size: 14, font });
  return Buffer.from(await pdf.save());
}

export function parameters(opts: { patientId: string; encounterId?: string; payload: Buffer | string; title?: string; contentType?: string; documentType?: string; sender?: string }): unknown[] {
  return [
    { name: 'subject', valueReference: { reference: `Patient/${opts.patientId}` } },
    ...(opts.encounterId ? [{ name: 'context', valueReference: { reference: `Encounter/${opts.encounterId}` } }] : []),
    { name: 'content-type', valueCode: opts.contentType ?? 'application/pdf' },
    { name: 'document-type', valueCode: opts.documentType ?? '11488-4' },
    ...(opts.title !== undefined ? [{ name: 'document-title', valueString: opts.title }] : []),
    { name: 'sender-identifier', valueString: opts.sender ?? '12345678910' },
    { name: 'payload', valueString: typeof opts.payload === 'string' ? opts.payload : opts.payload.toString('base64') },
  ];
}

export async function startEngine(dialect: TestDialect = 'sqlite', overrides: Record<string, unknown> = {}): Promise<EngineHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'ehrb-send-'));
  let dropPg: (() => Promise<void>) | undefined;
  let databaseUrl = join(dir, 'db.sqlite');
  if (dialect === 'postgres') {
    const pg = await createPgDatabase();
    databaseUrl = pg.url;
    dropPg = pg.drop;
  }
  const ehr = (overrides.ehr ?? {}) as Record<string, unknown>;
  const server = await startServer(
    {
      port: 0,
      host: '127.0.0.1',
      databaseUrl,
      logLevel: 'silent',
      admin: { password: 'correct horse battery' },
      // Explicitly: a test that configures an external EMR or an addressed route keeps them.
      sandboxes: true,
      ...overrides,
      ehr: { sandboxMllpPort: 0, ...ehr },
    },
    {},
  );
  const client = await createOauthClient(server.ctx.store.db, { name: 'test-app', scopes: 'SEND_TO_EHR PATIENT_GAM_SEARCH' });
  const newToken = async () => {
    const tokenRes = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret, audience: 'https://api.lifen.fr' }),
    });
    return ((await tokenRes.json()) as { access_token: string }).access_token;
  };
  let token = await newToken();
  const fhir = `${server.url}/fhir`;

  const fhirCall: EngineHarness['fhirCall'] = async (path, init = {}) => {
    const { token: t, ...rest } = init;
    const auth: Record<string, string> = t === null ? {} : { authorization: `Bearer ${t ?? token}` };
    const res = await fetch(path.startsWith('http') ? path : `${fhir}${path}`, { ...rest, headers: { ...auth, ...((rest.headers as Record<string, string> | undefined) ?? {}) } });
    const text = await res.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body, headers: res.headers };
  };

  const h: EngineHarness = {
    server,
    url: server.url,
    fhir,
    clientId: client.id,
    clientSecret: client.secret,
    get token() {
      return token;
    },
    async renewToken() {
      token = await newToken();
      return token;
    },
    receiver: () => getEhrSandboxInfo(server.app),
    received: () => getEhrSandboxInfo(server.app).store.list(),
    async setAckMode(mode) {
      const r = await fetch(`${server.url}/sandbox/ehr/_admin/mode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ack: mode }) });
      if (r.status !== 200) throw new Error(`mode switch failed: ${r.status}`);
    },
    fhirCall,
    sendToEhr: (params, opts = {}) =>
      fhirCall('/CommunicationRequest/$send-to-ehr', {
        method: 'POST',
        token: opts.token,
        headers: { 'content-type': opts.contentType ?? 'application/fhir+json' },
        body: JSON.stringify({ resourceType: 'Parameters', parameter: params }),
      }),
    async waitForStatus(trackingUrl, statuses, timeoutMs = 20_000) {
      const end = Date.now() + timeoutMs;
      let last: any;
      while (Date.now() < end) {
        last = await fhirCall(trackingUrl);
        const s = last.body?.entry?.[last.body.entry.length - 1]?.resource?.status;
        if (statuses.includes(s)) return last.body;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`tracking did not reach ${statuses.join('|')}: ${JSON.stringify(last?.body)}`);
    },
    async patientWithEncounter() {
      const enc = await fhirCall('/Encounter?status=finished&_count=1');
      const encounter = (enc.body as Bundle).entry?.[0]?.resource as Encounter | undefined;
      if (!encounter) throw new Error('no encounter in the sandbox');
      const pid = encounter.subject?.reference?.split('/')[1] ?? '';
      const patient = (await fhirCall(`/Patient/${pid}`)).body as Patient;
      return { patient, encounter };
    },
    async close() {
      await server.close();
      // graphile-worker's LISTEN connection can outlive runner.stop() by a moment; dropping the
      // database WITH (FORCE) under it surfaces as an unhandled pg error in the test run.
      if (dropPg) await new Promise((r) => setTimeout(r, 300));
      await dropPg?.();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}
