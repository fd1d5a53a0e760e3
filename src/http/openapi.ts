import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { PRODUCT_NAME, PRODUCT_VERSION } from '../version.js';
import { tagRoutes } from './access/route-access.js';

/**
 * The engine's API as the OpenAPI document at /docs (JSON at /docs/json). One line per tag; a
 * route's `schema.tags` must name one of these (src/http/openapi.test.ts checks that every
 * documented operation has a described tag).
 */
export const API_TAGS = [
  { name: 'auth', description: 'Sign in and out of the web UI (session cookie), and who is signed in.' },
  { name: 'api keys', description: 'Keys for scripts and other systems calling /api; a new key is shown once.' },
  { name: 'imports', description: 'Bulk imports into OnCall Health from a CSV file or the EMR: upload, check, run, pause, resume, cancel, report.' },
  { name: 'mapping templates', description: 'Saved column matchings (file columns to OnCall fields) for the next import.' },
  { name: 'oncall', description: "The configured OnCall Health account: its clinics (divisions), providers, settings and records." },
  { name: 'queue', description: 'The worker processes running imports and deliveries, and what each one holds.' },
  { name: 'documents', description: 'Documents sent to hospital EHRs: each sending, its deliveries and attempts, and sending again.' },
  { name: 'oauth clients', description: 'Applications allowed to call the FHIR API; a new client secret is shown once.' },
  { name: 'oauth', description: 'OAuth 2.0 client-credentials tokens for the FHIR API.' },
  { name: 'messages', description: 'The message store: HL7 v2 messages received from EMRs, their status (processed, failed, ignored, rejected) and what was done with each.' },
  { name: 'sync', description: 'The continuous sync from EMRs: its channels (MLLP listener, FHIR change feed), their state and counters, and the processing backlog.' },
  { name: 'fhir', description: 'The Lifen-compatible FHIR R4 API: send a document to an EHR, track it, search patients and encounters.' },
] as const;

/**
 * Left out of the document: the partner sandboxes (emulators of other companies' APIs, served
 * beside the engine in the demo, not part of its API), and the trailing-slash twin of a path
 * that a plugin registers both ways.
 */
export function isDocumentedUrl(url: string): boolean {
  if (url === '/sandbox' || url.startsWith('/sandbox/')) return false;
  return url === '/' || !url.endsWith('/');
}

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: `${PRODUCT_NAME} API`,
        version: PRODUCT_VERSION,
        description:
          'The API of the ehr-bridge integration engine: bulk imports into OnCall Health, sending documents to hospital EHRs (Lifen-compatible FHIR API), and their administration.',
      },
      tags: API_TAGS.map((t) => ({ ...t })),
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'An API key created in the web UI (API keys) or with `ehr-bridge api-keys create`' },
        },
      },
      security: [{ apiKey: [] }],
    },
    transform: (input) => {
      if (!isDocumentedUrl(input.url)) return { schema: { ...(input.schema as FastifySchema), hide: true } as FastifySchema, url: input.url };
      return jsonSchemaTransform(input);
    },
  });
  await app.register(async (scope) => {
    tagRoutes(scope, 'public');
    await scope.register(fastifySwaggerUi, { routePrefix: '/docs' });
  });
}
