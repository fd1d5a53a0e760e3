import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { parseRecordAddress, RecordAddressError, viewRecord } from '../../flows/bulk-import/oncall-record.js';
import { isPartnerError } from '../../partners/partner-error.js';
import { HttpError } from '../errors.js';
import type { AppContext } from '../../server/context.js';

/**
 * `GET /api/oncall/record?url=<OnCall address>`: a contact or appointment as OnCall holds it now,
 * with plain field labels, for the run report's "OnCall record" link (issue 7, item 5). The
 * engine fetches it with its own OnCall credentials, so only addresses under the configured
 * OnCall base URL and of the kinds an import writes are accepted; any other address is a 400
 * and nothing is fetched.
 */
export const oncallRecordRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/api/oncall/record',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['oncall'],
        description: 'A contact or appointment of the configured OnCall, read with the engine\'s credentials and laid out with plain labels. Only addresses under the configured OnCall base URL.',
        querystring: z.object({ url: z.string().min(1).max(2000) }),
      },
    },
    async (req) => {
      const baseUrl = ctx.oncallTarget().baseUrl;
      let address;
      try {
        address = parseRecordAddress(req.query.url, baseUrl);
      } catch (e) {
        if (e instanceof RecordAddressError) {
          throw new HttpError(400, `Only OnCall contacts and appointments under ${baseUrl} can be shown (${e.message})`, { url: [e.message] });
        }
        throw e;
      }
      try {
        return await viewRecord(ctx.oncall(), address.kind, address.id, req.query.url, ctx.config.oncall.webUrl);
      } catch (e) {
        if (isPartnerError(e)) {
          if (e.status === 404) throw new HttpError(404, 'OnCall has no such record any more (it may have been deleted in OnCall)');
          throw new HttpError(502, `OnCall Health could not be read: ${e.message}`);
        }
        throw e;
      }
    },
  );
};
