import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { RECORD_TYPES, TARGET_SYSTEMS } from '../../domain/identifiers.js';
import { mappingTemplateSchema } from '../../flows/bulk-import/mapping/template.js';
import { nowIso } from '../../store/db.js';
import type { MappingTemplatesTable } from '../../store/schema.js';
import { HttpError } from '../errors.js';
import type { AppContext } from '../../server/context.js';

const toItem = (r: MappingTemplatesTable) => ({
  id: r.id,
  name: r.name,
  target: r.target,
  recordType: r.record_type,
  mapping: JSON.parse(r.mapping) as unknown,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Named, reusable column mappings (the wizard's "save as template", the CLI's --mapping <name>). */
export const mappingTemplateRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const db = ctx.store.db;

  app.get(
    '/api/mapping-templates',
    { schema: { tags: ['mapping templates'], querystring: z.object({ target: z.enum(TARGET_SYSTEMS).optional(), recordType: z.enum(RECORD_TYPES).optional() }) } },
    async (req) => {
      let q = db.selectFrom('mapping_templates').selectAll().orderBy('name');
      if (req.query.target) q = q.where('target', '=', req.query.target);
      if (req.query.recordType) q = q.where('record_type', '=', req.query.recordType);
      return { items: (await q.execute()).map(toItem) };
    },
  );

  app.post(
    '/api/mapping-templates',
    {
      schema: {
        tags: ['mapping templates'],
        body: z.object({ name: z.string().trim().min(1).max(200), target: z.enum(TARGET_SYSTEMS), recordType: z.enum(RECORD_TYPES), mapping: mappingTemplateSchema }),
      },
    },
    async (req, reply) => {
      const { name, target, recordType, mapping } = req.body;
      if (mapping.recordType !== recordType) throw new HttpError(400, 'the mapping is for another record type', { mapping: ['recordType does not match'] });
      const clash = await db.selectFrom('mapping_templates').select('id').where('target', '=', target).where('record_type', '=', recordType).where('name', '=', name).executeTakeFirst();
      if (clash) throw new HttpError(409, `a template named "${name}" already exists`, { name: ['already used'] });
      const now = nowIso();
      const row: MappingTemplatesTable = { id: randomUUID(), name, target, record_type: recordType, mapping: JSON.stringify(mapping), created_at: now, updated_at: now };
      await db.insertInto('mapping_templates').values(row).execute();
      return reply.status(201).send(toItem(row));
    },
  );

  app.put(
    '/api/mapping-templates/:id',
    {
      schema: {
        tags: ['mapping templates'],
        params: z.object({ id: z.string().uuid() }),
        body: z.object({ name: z.string().trim().min(1).max(200).optional(), mapping: mappingTemplateSchema }),
      },
    },
    async (req) => {
      const current = await db.selectFrom('mapping_templates').selectAll().where('id', '=', req.params.id).executeTakeFirst();
      if (!current) throw new HttpError(404, 'no such template');
      if (req.body.mapping.recordType !== current.record_type) throw new HttpError(400, 'the mapping is for another record type', { mapping: ['recordType does not match'] });
      const next = { ...current, name: req.body.name ?? current.name, mapping: JSON.stringify(req.body.mapping), updated_at: nowIso() };
      await db.updateTable('mapping_templates').set({ name: next.name, mapping: next.mapping, updated_at: next.updated_at }).where('id', '=', current.id).execute();
      return toItem(next);
    },
  );

  app.delete('/api/mapping-templates/:id', { schema: { tags: ['mapping templates'], params: z.object({ id: z.string().uuid() }) } }, async (req, reply) => {
    const r = await db.deleteFrom('mapping_templates').where('id', '=', req.params.id).executeTakeFirst();
    if (!Number(r.numDeletedRows)) throw new HttpError(404, 'no such template');
    return reply.status(204).send();
  });
};
