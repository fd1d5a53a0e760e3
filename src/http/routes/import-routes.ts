import type { Readable } from 'node:stream';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { RECORD_TYPES, TARGET_SYSTEMS } from '../../domain/identifiers.js';
import { ImportError } from '../../flows/bulk-import/import-service.js';
import { mappingTemplateSchema } from '../../flows/bulk-import/mapping/template.js';
import { attachmentHeader, reportFileName, writeReportCsv } from '../../flows/bulk-import/report.js';
import { ROW_STATUSES } from '../../flows/bulk-import/run-status.js';
import { runOptionsSchema } from '../../flows/bulk-import/run-options.js';
import { csvStagingEvents } from '../../flows/bulk-import/stage-csv.js';
import { withRunDefaults } from '../../flows/bulk-import/template-defaults.js';
import { fhirStagingEvents } from '../../flows/bulk-import/stage-fhir.js';
import { appointmentSourceRow, FHIR_APPOINTMENT_COLUMNS } from '../../flows/bulk-import/fhir/appointment-columns.js';
import { suggestEmrAppointmentMapping } from '../../flows/bulk-import/fhir/emr-appointment.js';
import { participantEmailFallbackRows } from '../../flows/bulk-import/fhir/fallback-rows.js';
import { FhirReader } from '../../partners/fhir-emr/fhir-reader.js';
import { sandboxesEnabled } from '../../sandboxes/enabled.js';
import type { Appointment } from '@medplum/fhirtypes';
import { HttpError } from '../errors.js';
import type { AppContext } from '../../server/context.js';

const idParams = z.object({ id: z.string().uuid() });

const resourceOf = (recordType: string): 'Patient' | 'Appointment' => (recordType === 'contacts' ? 'Patient' : 'Appointment');

/** The EMR records are pulled from: the configured FHIR server, else this process's sandbox EMR. */
function emrSource(ctx: AppContext): { baseUrl: string; bearerToken?: string } {
  const cfg = ctx.config.emr;
  if (cfg.fhirUrl) return { baseUrl: cfg.fhirUrl, ...(cfg.bearerToken ? { bearerToken: cfg.bearerToken } : {}) };
  if (ctx.engineUrl && sandboxesEnabled(ctx.config)) return { baseUrl: `${ctx.engineUrl}/sandbox/fhir-emr` };
  throw new HttpError(400, 'The EMR is not configured: set EHR_BRIDGE_EMR_FHIR_URL (and EHR_BRIDGE_EMR_FHIR_TOKEN if it needs one)');
}

/**
 * Imports in two steps, so a million-row file streams straight into staging without multipart:
 * POST creates the run (mapping and choices), PUT .../file sends the raw CSV bytes.
 */
export const importRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const svc = () => ctx.imports();
  const wrap = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof ImportError) throw new HttpError(e.statusCode, e.message, e.fieldErrors);
      throw e;
    }
  };

  // The file body is handed to the route as a stream; nothing buffers it.
  app.addContentTypeParser(['text/csv', 'application/csv', 'application/octet-stream', 'text/plain', 'application/vnd.ms-excel'], (_req, payload, done) =>
    done(null, payload),
  );

  app.post(
    '/api/imports',
    {
      schema: {
        tags: ['imports'],
        body: z.object({
          target: z.enum(TARGET_SYSTEMS),
          recordType: z.enum(RECORD_TYPES),
          fileName: z.string().max(500).nullish(),
          mapping: mappingTemplateSchema,
          defaults: runOptionsSchema.shape.defaults,
          updateExisting: z.boolean().default(false),
          scanExisting: z.boolean().default(true),
          emrIdField: runOptionsSchema.shape.emrIdField,
          /** Move records found in another division (clinic) into this one; default: leave them and report them. */
          moveBetweenDivisions: z.boolean().default(false),
          /** `csv`: the file comes with PUT .../file. `fhir`: the records are pulled from the EMR with POST .../pull. */
          source: z.enum(['csv', 'fhir']).default('csv'),
        }),
      },
    },
    async (req, reply) => {
      const b = req.body;
      if (b.mapping.recordType !== b.recordType) throw new HttpError(400, 'the mapping is for another record type', { mapping: ['recordType does not match'] });
      const run = await svc().create({
        target: b.target,
        recordType: b.recordType,
        source: b.source,
        fileName: b.source === 'fhir' ? `FHIR EMR ${resourceOf(b.recordType)}` : (b.fileName ?? null),
        mapping: b.mapping,
        options: runOptionsSchema.parse({
          updateExisting: b.updateExisting,
          moveBetweenDivisions: b.moveBetweenDivisions,
          defaults: b.defaults,
          scanExisting: b.scanExisting,
          ...(b.emrIdField ? { emrIdField: b.emrIdField } : {}),
        }),
      });
      return reply.status(201).send(await svc().summary(run.id));
    },
  );

  app.put(
    '/api/imports/:id/file',
    { bodyLimit: 1024 * 1024 * 1024, schema: { tags: ['imports'], params: idParams, description: 'The raw CSV file as the request body.' } },
    async (req) =>
      wrap(async () => {
        const run = await svc().require(req.params.id);
        if (run.source !== 'csv') throw new HttpError(409, 'this import pulls its records from the EMR: use POST /api/imports/:id/pull');
        const body = req.body as Readable | undefined;
        if (!body || typeof (body as Readable).pipe !== 'function') throw new HttpError(415, 'send the CSV file as the body, with Content-Type: text/csv');
        const mapping = withRunDefaults(mappingTemplateSchema.parse(run.mapping), run.options.defaults);
        await svc().stage(run.id, csvStagingEvents(body, mapping));
        return svc().summary(run.id);
      }),
  );

  app.get(
    '/api/imports/emr/preview',
    {
      schema: {
        tags: ['imports'],
        querystring: z.object({ resource: z.enum(['Appointment']), limit: z.coerce.number().int().min(1).max(100).default(20) }),
        description: 'The first records of the EMR as mapping columns (FHIR element paths) and rows, with the suggested mapping: what the wizard maps when it pulls from the EMR instead of reading a file.',
      },
    },
    async (req) => {
      const emr = emrSource(ctx);
      const reader = new FhirReader({ baseUrl: emr.baseUrl, ...(emr.bearerToken ? { bearerToken: emr.bearerToken } : {}), logger: ctx.logger });
      const samples: Appointment[] = [];
      try {
        for await (const a of reader.readAll<Appointment>('Appointment', { preferBulk: false, pageSize: req.query.limit })) {
          samples.push(a);
          if (samples.length >= req.query.limit) break;
        }
      } catch (e) {
        throw new HttpError(502, `the EMR could not be read: ${(e as Error).message}`);
      } finally {
        await reader.close();
      }
      return {
        resource: req.query.resource,
        columns: [...FHIR_APPOINTMENT_COLUMNS],
        rows: samples.map(appointmentSourceRow),
        suggested: suggestEmrAppointmentMapping(samples),
      };
    },
  );

  app.post(
    '/api/imports/:id/pull',
    { schema: { tags: ['imports'], params: idParams, description: 'Pulls the records of an import created with source "fhir" from the EMR, maps and validates them (nothing is sent).' } },
    async (req) =>
      wrap(async () => {
        const run = await svc().require(req.params.id);
        if (run.source !== 'fhir') throw new HttpError(409, 'this import reads a CSV file: use PUT /api/imports/:id/file');
        const emr = emrSource(ctx);
        const template = mappingTemplateSchema.parse(run.mapping);
        const resource = resourceOf(template.recordType);
        await svc().stage(run.id, fhirStagingEvents({
          baseUrl: emr.baseUrl,
          ...(emr.bearerToken ? { bearerToken: emr.bearerToken } : {}),
          resource,
          // An empty appointment mapping means "the suggested one", as in the CLI.
          ...(resource === 'Appointment' && Object.keys(template.fields).length > 0 ? { template } : {}),
          defaults: run.options.defaults,
          providers: () => ctx.oncall().listProviders(),
        }));
        // How many appointments use a fallback e-mail (the patient has none in the EMR).
        const emailFallbackRows = resource === 'Appointment' ? (await participantEmailFallbackRows(ctx.store.db, run.id)).count : 0;
        return { ...(await svc().summary(run.id)), emailFallbackRows };
      }),
  );

  app.get('/api/imports', { schema: { tags: ['imports'] } }, async () => ({ items: await svc().list() }));

  app.get('/api/imports/:id', { schema: { tags: ['imports'], params: idParams } }, async (req) => wrap(() => svc().summary(req.params.id)));

  app.get(
    '/api/imports/:id/problems',
    { schema: { tags: ['imports'], params: idParams, querystring: z.object({ offset: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(1000).default(100) }) } },
    async (req) =>
      wrap(async () => {
        await svc().require(req.params.id);
        return svc().runs.problems(req.params.id, req.query.offset, req.query.limit);
      }),
  );

  app.get(
    '/api/imports/:id/rows',
    {
      schema: {
        tags: ['imports'],
        params: idParams,
        querystring: z.object({
          status: z.enum(ROW_STATUSES).optional(),
          offset: z.coerce.number().int().min(0).default(0),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
      },
    },
    async (req) =>
      wrap(async () => {
        await svc().require(req.params.id);
        return svc().runs.rows(req.params.id, req.query);
      }),
  );

  app.get(
    '/api/imports/:id/preflight',
    { schema: { tags: ['imports'], params: idParams, description: 'What the run would meet on the platform (records already there, records in another clinic); sends nothing.' } },
    async (req) => wrap(() => svc().preflight(req.params.id)),
  );

  const body = z.object({ updateExisting: z.boolean().optional(), dryRun: z.boolean().optional(), moveBetweenDivisions: z.boolean().optional() }).default({});
  app.post('/api/imports/:id/start', { schema: { tags: ['imports'], params: idParams, body } }, async (req) =>
    wrap(async () => {
      await svc().start(req.params.id, req.body ?? {});
      return svc().summary(req.params.id);
    }),
  );
  for (const action of ['pause', 'resume', 'cancel'] as const) {
    app.post(`/api/imports/:id/${action}`, { schema: { tags: ['imports'], params: idParams } }, async (req) =>
      wrap(async () => {
        await svc()[action](req.params.id);
        return svc().summary(req.params.id);
      }),
    );
  }

  app.delete('/api/imports/:id', { schema: { tags: ['imports'], params: idParams } }, async (req, reply) =>
    wrap(async () => {
      const run = await svc().require(req.params.id);
      if (run.status === 'running' || run.status === 'staging') throw new HttpError(409, `the import is ${run.status}; pause or cancel it first`);
      await svc().runs.delete(run.id);
      return reply.status(204).send();
    }),
  );

  app.get('/api/imports/:id/report.csv', { schema: { tags: ['imports'], params: idParams } }, async (req, reply) =>
    wrap(async () => {
      const run = await svc().require(req.params.id);
      reply.header('content-type', 'text/csv; charset=utf-8');
      // The imported file's name and the day, in the page's words (report.ts).
      reply.header('content-disposition', attachmentHeader(reportFileName(run)));
      return reply.send(writeReportCsv(svc().runs, run));
    }),
  );
};
