import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { isPartnerError } from '../../partners/partner-error.js';
import { HttpError } from '../errors.js';
import type { AppContext } from '../../server/context.js';

/**
 * What the import wizard needs from the platform: divisions, providers, and the roster custom
 * fields it can write the EMR id to. OnCall has no endpoint listing custom fields, so they are
 * read from `custom_field_names` of the first page of contacts, plus the configured one.
 */
export const oncallTargetRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const partnerCall = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      if (isPartnerError(e)) throw new HttpError(502, `OnCall Health: ${e.message}`);
      throw e;
    }
  };

  app.get('/api/targets/oncall/divisions', { schema: { tags: ['oncall'] } }, async () => ({
    items: (await partnerCall(() => ctx.oncall().listDivisions())).map((d) => ({ url: d.url, name: d.name })),
  }));

  app.get('/api/targets/oncall/providers', { schema: { tags: ['oncall'] } }, async () => ({
    items: (await partnerCall(() => ctx.oncall().listProviders())).map((p) => ({
      url: p.url,
      full_name: p.full_name,
      email: p.email,
      memberships: p.memberships,
    })),
  }));

  app.get('/api/targets/oncall/settings', { schema: { tags: ['oncall'] } }, async () => {
    const fields = new Map<string, string>();
    await partnerCall(async () => {
      let n = 0;
      for await (const c of ctx.oncall().contacts({ pageSize: 100 })) {
        for (const [id, label] of Object.entries(c.custom_field_names ?? {})) fields.set(id, String(label));
        if (++n >= 100) break;
      }
    });
    if (!fields.has(ctx.config.oncall.emrIdField)) fields.set(ctx.config.oncall.emrIdField, 'EMR id');
    return {
      baseUrl: ctx.oncallTarget().baseUrl,
      emrIdField: ctx.config.oncall.emrIdField,
      emrIdMetadataKey: ctx.config.oncall.emrIdMetadataKey,
      customFields: [...fields].map(([id, label]) => ({ id, label })),
    };
  });
};
