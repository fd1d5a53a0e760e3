import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { previewOfRun } from '../../flows/bulk-import/change-preview-run.js';
import { lineEmrId, lineName } from '../../flows/bulk-import/change-preview-line.js';
import { HttpError } from '../errors.js';
import type { AppContext } from '../../server/context.js';

const idParams = z.object({ id: z.string().uuid() });

/**
 * The preview of a checked import (what it would create, update, leave, move or leave out),
 * shown by the wizard before "Start". Sends nothing to the platform but reads.
 */
export const importPreviewRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/api/imports/:id/preview',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['imports'],
        params: idParams,
        querystring: z.object({
          /** Preview with these choices instead of the run's own (the wizard's boxes before the start). */
          updateExisting: z.enum(['true', 'false']).optional(),
          moveBetweenDivisions: z.enum(['true', 'false']).optional(),
        }),
        description:
          'What the run would do, line by line, before it starts: how many lines would be created, updated (and which fields), left as they are, moved between clinics or left out, with a few sample lines each. Reads the platform, writes nothing.',
      },
    },
    async (req) => {
      const run = await ctx.imports().runs.get(req.params.id);
      if (!run) throw new HttpError(404, 'no such import');
      if (run.status !== 'ready') throw new HttpError(409, `the import is ${run.status}; a preview is made for a checked import that has not started`);
      const missing = ctx.imports().missingSettings(run);
      if (missing) throw new HttpError(400, 'choose a clinic and a provider first', missing);
      return previewOfRun(ctx, run, {
        choices: {
          ...(req.query.updateExisting ? { updateExisting: req.query.updateExisting === 'true' } : {}),
          ...(req.query.moveBetweenDivisions ? { moveBetweenDivisions: req.query.moveBetweenDivisions === 'true' } : {}),
        },
      });
    },
  );

  app.get(
    '/api/imports/:id/problem-lines',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['imports'],
        params: idParams,
        querystring: z.object({ offset: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(1000).default(100) }),
        description:
          'The lines the server check left out, a page at a time, each with who it is about (name, EMR id), and per problem the field, the column and the value read: what staff need to correct the file.',
      },
    },
    async (req) => {
      const run = await ctx.imports().runs.get(req.params.id);
      if (!run) throw new HttpError(404, 'no such import');
      const base = ctx.store.db.selectFrom('import_rows').where('run_id', '=', run.id).where('status', '=', 'invalid');
      const total = await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      const rows = await base.select(['line', 'record', 'errors']).orderBy('line').offset(req.query.offset).limit(req.query.limit).execute();
      return {
        total: Number(total.n),
        items: rows.map((r) => {
          const record = JSON.parse(r.record) as Record<string, string>;
          const errors = (r.errors ? JSON.parse(r.errors) : []) as { field: string; column?: string; code: string; message: string; severity?: 'error' | 'warning' }[];
          return {
            line: Number(r.line),
            name: lineName(run.recordType, record),
            emrId: lineEmrId(record),
            errors: errors.map((e) => ({ ...e, ...(typeof record[e.field] === 'string' && record[e.field] !== '' ? { value: record[e.field] } : {}) })),
          };
        }),
      };
    },
  );
};
