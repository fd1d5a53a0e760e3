import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { changePreview } from '../../flows/bulk-import/change-preview.js';
import { mappingTemplateSchema } from '../../flows/bulk-import/mapping/template.js';
import { createImportTarget } from '../../flows/bulk-import/targets/create-target.js';
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
      const options = {
        ...run.options,
        ...(req.query.updateExisting ? { updateExisting: req.query.updateExisting === 'true' } : {}),
        ...(req.query.moveBetweenDivisions ? { moveBetweenDivisions: req.query.moveBetweenDivisions === 'true' } : {}),
      };
      const missing = ctx.imports().missingSettings(run);
      if (missing) throw new HttpError(400, 'choose a clinic and a provider first', missing);
      const target = createImportTarget(
        { ...run, mapping: mappingTemplateSchema.parse(run.mapping), options },
        {
          oncall: () => ctx.oncall(),
          oncallBaseUrl: () => ctx.oncallTarget().baseUrl,
          emrIdField: ctx.config.oncall.emrIdField,
          emrIdMetadataKey: ctx.config.oncall.emrIdMetadataKey,
        },
      );
      return changePreview({ db: ctx.store.db, xrefs: ctx.imports().xrefs, target }, { id: run.id, recordType: run.recordType, options });
    },
  );
};
