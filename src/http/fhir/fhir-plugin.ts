import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { DocumentRejectedError } from '../../flows/send-to-ehr/errors.js';
import { PartnerNotConfiguredError } from '../../partners/not-configured.js';
import type { AppContext } from '../../server/context.js';
import { capabilityStatement, OPERATIONS, operationDefinition } from './capability-statement.js';
import { EmrProxy } from './emr-proxy.js';
import { PageTokens, pageTokenSecret } from './page-token.js';
import { FhirError, invalidReference, operationOutcome } from './fhir-error.js';
import { logInternalError } from '../errors.js';
import { mediaType } from '../media-type.js';
import { parseJsonKeepingLargeStrings } from './large-json.js';
import { parseSendToEhrParameters } from './send-to-ehr-params.js';
import { trackingBundle } from './tracking-bundle.js';

/**
 * The FHIR R4 API a Lifen client talks to (issue 3, "The FHIR R4 API"), mounted at `/fhir`:
 * `$send-to-ehr`, `$tracking`, Patient/Encounter read and search from the connected EMR, and
 * `metadata`. Not wrapped in fastify-plugin on purpose: its body parsers (large JSON bodies, raw
 * form bodies), error handler (OperationOutcome) and 404 handler stay inside `/fhir`.
 */
const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const JSON_TYPES = ['application/fhir+json', 'application/json'];

export interface FhirApiOptions {
  ctx: AppContext;
}

/** A path as far as its resource type (first segment after the prefix); the rest can carry an identifier. */
function pathToType(url: string): string {
  const segments = (url.split('?')[0] ?? '').split('/');
  const type = segments[2] ?? '';
  if (!/^[A-Za-z$_-]{1,64}$/.test(type)) return `/${segments[1] ?? ''}/...`;
  return `/${segments[1] ?? ''}/${type}${segments.length > 3 ? '/...' : ''}`;
}

function queryPairs(req: FastifyRequest): [string, string][] {
  const q = req.url.indexOf('?');
  return q < 0 ? [] : Array.from(new URLSearchParams(req.url.slice(q + 1)).entries());
}

export const fhirApi: FastifyPluginAsync<FhirApiOptions> = async (app, { ctx }) => {
  const service = () => ctx.sendToEhr();
  const proxy = new EmrProxy(() => ctx.sendToEhr().emr(), new PageTokens(() => pageTokenSecret(ctx.store.db, ctx.config.emr.pageTokenSecret)));
  const maxPayload = ctx.config.ehr.maxPayloadBytes;
  // base64 is 4/3 of the bytes; leave room for the other parameters and for line-wrapped base64.
  const bodyLimit = Math.ceil((maxPayload * 4) / 3 + maxPayload / 20) + 1024 * 1024;
  const prefix = app.prefix;

  const engineBase = (req: FastifyRequest): string => ctx.config.publicUrl?.replace(/\/+$/, '') ?? `${req.protocol}://${req.host}`;
  const fhirBase = (req: FastifyRequest): string => `${engineBase(req)}${prefix}`;
  const send = (req: FastifyRequest, reply: FastifyReply, status: number, body: unknown): FastifyReply => {
    const accept = String(req.headers.accept ?? '');
    const plainJson = accept.includes('application/json') && !accept.includes('application/fhir+json');
    return reply
      .code(status)
      .type(plainJson ? 'application/json; charset=utf-8' : FHIR_JSON)
      .send(body);
  };

  // ---- parsers (this plugin only) -----------------------------------------------------------
  for (const ct of ['application/json', 'application/fhir+json', 'application/x-www-form-urlencoded']) {
    if (app.hasContentTypeParser(ct)) app.removeContentTypeParser(ct);
  }
  // The body is read into one Buffer of the announced size (no chunk list + concat copy) and
  // parsed with large strings kept out of JSON.parse (large-json.ts): a 20 MB document costs
  // one 27 MB buffer and one 27 MB string here, not four.
  app.addContentTypeParser(JSON_TYPES, (req, payload, done) => {
    const declared = Number(req.headers['content-length']);
    const tooLarge = () => new FhirError(413, 'too-long', `The request body is larger than the limit (${maxPayload} bytes of document)`);
    if (declared > bodyLimit) {
      payload.resume();
      return done(tooLarge());
    }
    const whole = Number.isInteger(declared) && declared > 0 ? Buffer.allocUnsafe(declared) : undefined;
    const chunks: Buffer[] = [];
    let received = 0;
    let failed = false;
    payload.on('data', (chunk: Buffer) => {
      if (failed) return;
      received += chunk.length;
      if (received > bodyLimit || (whole && received > whole.length)) {
        failed = true;
        return done(received > bodyLimit ? tooLarge() : new FhirError(400, 'structure', 'The request body is longer than its Content-Length'));
      }
      if (whole) chunk.copy(whole, received - chunk.length);
      else chunks.push(chunk);
    });
    payload.on('error', (err: Error) => {
      if (failed) return;
      failed = true;
      done(err);
    });
    payload.on('end', () => {
      if (failed) return;
      const bytes = whole ? whole.subarray(0, received) : Buffer.concat(chunks);
      if (bytes.length < 1024 && bytes.toString('utf8').trim() === '') return done(new FhirError(400, 'structure', 'The request body is empty'));
      try {
        done(null, parseJsonKeepingLargeStrings(bytes));
      } catch {
        // Never echo the body: it holds a document and patient references.
        done(new FhirError(400, 'structure', 'The request body is not valid JSON'));
      }
    });
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => done(null, body));

  // ---- auth, errors, not found -------------------------------------------------------------
  // Authentication: each route declares `config.access` ({ fhirScope } or 'public'); the
  // engine's one access hook (access/access-control.ts) enforces it on the matched route.

  app.setErrorHandler((err: FastifyError | FhirError | DocumentRejectedError | PartnerNotConfiguredError, req, reply) => {
    if (err instanceof FhirError) {
      for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
      return send(req, reply, err.status, err.outcome);
    }
    if (err instanceof DocumentRejectedError) {
      if (err.kind === 'emr-unavailable') {
        reply.header('retry-after', '5');
        return send(req, reply, 503, operationOutcome('error', 'transient', 'The EMR is unavailable to check the Patient and Encounter; try again later'));
      }
      if (err.kind === 'encounter-mismatch') {
        return send(req, reply, 422, operationOutcome('error', 'processing', `${err.reference} does not belong to the Patient given as subject`, ['Parameters.parameter[context]']));
      }
      const e = invalidReference(err.reference, `Parameters.parameter[${err.parameter}]`);
      return send(req, reply, e.status, e.outcome);
    }
    if (err instanceof PartnerNotConfiguredError) return send(req, reply, 503, operationOutcome('error', 'exception', err.message));
    const status = (err as FastifyError).statusCode;
    if (status === 413) return send(req, reply, 413, operationOutcome('error', 'too-long', `The request body is larger than the limit (${maxPayload} bytes of document)`));
    if (status === 415) return send(req, reply, 415, operationOutcome('error', 'not-supported', `Unsupported media type; use ${JSON_TYPES.join(' or ')}`));
    if (status !== undefined && status >= 400 && status < 500) return send(req, reply, status, operationOutcome('error', status === 400 ? 'structure' : 'invalid', err.message));
    logInternalError(req, err);
    return send(req, reply, 500, operationOutcome('fatal', 'exception', `Internal server error (request id ${req.id})`));
  });

  app.setNotFoundHandler((req, reply) =>
    send(req, reply, 404, operationOutcome('error', 'not-supported', `No such FHIR endpoint: ${req.method} ${pathToType(req.url)}`)),
  );

  // ---- metadata -----------------------------------------------------------------------------
  app.get('/metadata', { config: { access: 'public' }, schema: { tags: ['fhir'], summary: 'CapabilityStatement' } }, async (req, reply) =>
    send(req, reply, 200, capabilityStatement(fhirBase(req), `${engineBase(req)}/oauth/token`)),
  );
  app.get<{ Params: { id: string } }>('/OperationDefinition/:id', { config: { access: 'public' }, schema: { tags: ['fhir'], hide: true } }, async (req, reply) => {
    const op = Object.values(OPERATIONS).find((o) => o.id === req.params.id);
    if (!op) throw new FhirError(404, 'not-found', `OperationDefinition/${req.params.id} is not known`);
    return send(req, reply, 200, operationDefinition(op, fhirBase(req)));
  });

  // ---- $send-to-ehr -------------------------------------------------------------------------
  app.post(
    '/CommunicationRequest/$send-to-ehr',
    { config: { access: { fhirScope: 'COMMUNICATIONREQUEST_CREATE' } }, schema: { tags: ['fhir'], summary: 'Send a document to the EHR (Lifen-compatible)' } },
    async (req, reply) => {
      if (!JSON_TYPES.includes(mediaType(req))) {
        throw new FhirError(415, 'not-supported', `Send the Parameters as ${JSON_TYPES.join(' or ')}`);
      }
      const request = parseSendToEhrParameters(req.body, { maxPayloadBytes: maxPayload });
      const client = req.fhirClient;
      if (!client) throw new FhirError(401, 'login', 'Authentication required');
      const result = await service().accept({ id: client.clientId, name: client.clientName }, request);
      const trackingUrl = `${fhirBase(req)}/CommunicationRequest/$tracking?${new URLSearchParams({ 'transaction-id': result.transactionId })}`;
      return send(req, reply, 200, {
        resourceType: 'Parameters',
        parameter: [
          { name: 'tracking-url', valueString: trackingUrl },
          { name: 'transaction-id', valueString: result.transactionId },
        ],
      });
    },
  );

  // ---- $tracking ----------------------------------------------------------------------------
  app.get(
    '/CommunicationRequest/$tracking',
    { config: { access: { fhirScope: 'COMMUNICATIONREQUEST_CREATE' } }, schema: { tags: ['fhir'], summary: 'Delivery status of a sending' } },
    async (req, reply) => {
      const id = new URLSearchParams(req.url.split('?')[1] ?? '').get('transaction-id')?.trim();
      if (!id) throw new FhirError(400, 'required', 'transaction-id is required', { expression: ['transaction-id'] });
      const client = req.fhirClient;
      if (!client) throw new FhirError(401, 'login', 'Authentication required');
      const t = await service().tracking(client.clientId, id);
      if (t.state === 'not-found') throw new FhirError(404, 'not-found', `No sending with transaction-id ${id.slice(0, 64)}`);
      if (t.state === 'gone') throw new FhirError(410, 'expired', 'The delivery status of this sending is no longer available (tracking period over)');
      return send(req, reply, 200, trackingBundle(t));
    },
  );

  // ---- Patient / Encounter from the EMR -----------------------------------------------------
  for (const type of ['Patient', 'Encounter'] as const) {
    const upper = type.toUpperCase();
    const search = async (req: FastifyRequest, reply: FastifyReply, pairs: [string, string][]) =>
      send(req, reply, 200, await proxy.search(type, pairs, fhirBase(req)));

    app.get(`/${type}`, { config: { access: { fhirScope: `${upper}_SEARCH` } }, schema: { tags: ['fhir'], summary: `Search ${type}` } }, async (req, reply) =>
      search(req, reply, queryPairs(req)),
    );
    app.post(`/${type}/_search`, { config: { access: { fhirScope: `${upper}_SEARCH` } }, schema: { tags: ['fhir'], summary: `Search ${type} (form body)` } }, async (req, reply) => {
      if (req.body !== undefined && mediaType(req) !== 'application/x-www-form-urlencoded') {
        throw new FhirError(415, 'not-supported', 'POST _search takes application/x-www-form-urlencoded');
      }
      const form = typeof req.body === 'string' ? Array.from(new URLSearchParams(req.body).entries()) : [];
      // Parameters may be split between the URL and the body (https://hl7.org/fhir/R4/http.html#search).
      return search(req, reply, [...queryPairs(req), ...form]);
    });
    app.get<{ Params: { id: string } }>(`/${type}/:id`, { config: { access: { fhirScope: `${upper}_READ` } }, schema: { tags: ['fhir'], summary: `Read ${type}` } }, async (req, reply) =>
      send(req, reply, 200, await proxy.read(type, req.params.id)),
    );
  }
};
