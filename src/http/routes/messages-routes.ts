import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { decodeHl7Bytes } from '../../hl7/charset.js';
import { MAX_PAGE, MessageStore } from '../../messages/message-store.js';
import { REQUEUABLE_STATUSES, requeueMessages, type RequeueFilter } from '../../messages/requeue.js';
import { MESSAGE_STATUSES, type MessageFilter } from '../../messages/types.js';
import type { AppContext } from '../../server/context.js';
import type { Principal } from '../auth/admin-principal.js';
import { HttpError } from '../errors.js';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** Opaque paging cursor: the (received_at, id) of the last message of a page. */
export function encodeCursor(c: { receivedAt: string; id: number }): string {
  return Buffer.from(JSON.stringify([c.receivedAt, c.id])).toString('base64url');
}

export function decodeCursor(s: string): { receivedAt: string; id: number } | undefined {
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && ISO_TIME.test(v[0]) && Number.isSafeInteger(v[1])) {
      return { receivedAt: v[0], id: v[1] as number };
    }
  } catch {
    // not a cursor
  }
  return undefined;
}

/** `ADT`, `ADT^A08` or `ADT_A08` (as HL7 writes it in MSH-9 and in message structures). */
const TYPE = /^([A-Za-z0-9]{3})(?:[\^_]([A-Za-z0-9]{3}))?$/;

const listQuery = z.object({
  status: z.enum(MESSAGE_STATUSES).optional(),
  type: z.string().regex(TYPE, 'a message type such as ADT, or with its event: ADT^A08').optional(),
  patient: z.string().min(1).max(200).optional(),
  controlId: z.string().min(1).max(200).optional(),
  channel: z.string().min(1).max(100).optional(),
  /** The `next` of the previous page, or a date-time: messages received before it. */
  before: z.string().min(1).max(200).optional(),
  /** Messages received at or after this date-time. */
  since: z.string().regex(ISO_TIME, 'a date-time such as 2026-01-31T08:00:00Z').optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
});

/** Ids in one bulk request: one statement's bound variables, and a body a person can read back. */
const MAX_IDS = 1000;

const messageId = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/**
 * What to reprocess. Strict: a mistyped criterion (`stauts`) is refused rather than dropped,
 * which would widen the selection to every message the other criteria match.
 */
const reprocessBody = z.strictObject({
  ids: z.array(z.number().int().positive().max(Number.MAX_SAFE_INTEGER)).min(1).max(MAX_IDS).optional(),
  status: z.enum(REQUEUABLE_STATUSES, { error: 'one of processed, failed, rejected, ignored (received messages are already waiting)' }).optional(),
  type: z.string().regex(TYPE, 'a message type such as ADT, or with its event: ADT^A08').optional(),
  patient: z.string().min(1).max(200).optional(),
  channel: z.string().min(1).max(100).optional(),
  since: z.string().regex(ISO_TIME, 'a date-time such as 2026-01-31T08:00:00Z').optional(),
  before: z.string().regex(ISO_TIME, 'a date-time such as 2026-01-31T08:00:00Z').optional(),
});

const reprocessAnswer = z.object({
  requeued: z.number().int(),
  ids: z.array(z.number().int()),
  left: z.number().int(),
});

/** Who asked, for the message's trace: the signed-in user, or the API key by its name. */
function requester(p: Principal | undefined): string {
  if (!p) return 'unknown';
  return p.kind === 'api-key' ? `API key ${p.name}` : p.name;
}

/**
 * The message store through the API (issue 8, "seeing it work"): every inbound message, newest
 * first, filtered by status, type, patient id, control id and time, paged by a cursor. The list
 * never carries message bodies; one message's detail has its raw text, ACK and trace.
 * Admin session or API key (the default access).
 */
export const messagesRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const messages = new MessageStore(ctx.store.db, ctx.store.dialect);

  app.get(
    '/api/messages',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['messages'],
        description: 'Inbound messages, newest first. `next` is the `before` of the following page. No message bodies.',
        querystring: listQuery,
      },
    },
    async (req) => {
      const q = req.query;
      const filter: MessageFilter = { limit: q.limit };
      if (q.status) filter.status = q.status;
      if (q.type) {
        const m = TYPE.exec(q.type)!;
        filter.messageType = m[1]!.toUpperCase();
        if (m[2]) filter.event = m[2].toUpperCase();
      }
      if (q.patient !== undefined) filter.patientId = q.patient;
      if (q.controlId !== undefined) filter.controlId = q.controlId;
      if (q.channel) filter.channel = q.channel;
      if (q.since) filter.since = normaliseTime(q.since, 'since');
      if (q.before) {
        const cursor = decodeCursor(q.before);
        if (cursor) filter.before = cursor;
        else if (ISO_TIME.test(q.before)) filter.before = { receivedAt: normaliseTime(q.before, 'before'), id: 0 };
        else throw new HttpError(400, 'before must be the next value of a previous page or a date-time', { before: ['not a page cursor or a date-time'] });
      }
      const page = await messages.list(filter);
      return { items: page.items, next: page.next ? encodeCursor(page.next) : null };
    },
  );

  app.get(
    '/api/messages/:id',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['messages'],
        description: 'One inbound message: its details, the message and the ACK as text, and its trace (parsed, decisions, partner calls, errors).',
        params: z.object({ id: messageId }),
      },
    },
    async (req) => {
      const m = await messages.get(req.params.id);
      if (!m) throw new HttpError(404, 'no such message (it may have been removed by the retention policy)');
      const raw = decodeHl7Bytes(m.raw);
      const { raw: _raw, ack, ...rest } = m;
      return {
        ...rest,
        raw: raw.text,
        rawCharset: raw.charset,
        ack: ack ? decodeHl7Bytes(ack).text : null,
      };
    },
  );

  // Reprocessing (issue 8, "Seeing it work"): back to `received`, then the processor is woken
  // and takes them as any waiting message (exactly once: it skips what OnCall already holds).
  app.post(
    '/api/messages/:id/reprocess',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['messages'],
        description:
          'Sets one processed, failed, rejected or ignored message back to waiting; the running engine processes it again. A message already waiting is left as it is (`requeued: 0`).',
        params: z.object({ id: messageId }),
        response: { 200: reprocessAnswer },
      },
    },
    async (req) => {
      const exists = await ctx.store.db.selectFrom('messages').select('id').where('id', '=', req.params.id).executeTakeFirst();
      if (!exists) throw new HttpError(404, 'no such message (it may have been removed by the retention policy)');
      const r = await requeueMessages(ctx.store.db, { ids: [req.params.id] }, requester(req.principal));
      if (r.requeued > 0) ctx.sync().wake();
      return r;
    },
  );

  app.post(
    '/api/messages/reprocess',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['messages'],
        description: `Sets the messages matching every criterion given back to waiting (at least one criterion; \`ids\` up to ${MAX_IDS}). Oldest first, at most 10,000 per call: \`left\` says how many still match, call again for them. Messages already waiting are left as they are.`,
        body: reprocessBody,
        response: { 200: reprocessAnswer },
      },
    },
    async (req) => {
      const b = req.body;
      const filter: RequeueFilter = {};
      if (b.status) filter.status = b.status;
      if (b.type) {
        const m = TYPE.exec(b.type)!;
        filter.messageType = m[1]!.toUpperCase();
        if (m[2]) filter.event = m[2].toUpperCase();
      }
      if (b.patient !== undefined) filter.patientId = b.patient;
      if (b.channel !== undefined) filter.channel = b.channel;
      if (b.since) filter.since = normaliseTime(b.since, 'since');
      if (b.before) filter.before = normaliseTime(b.before, 'before');
      // No criterion would mean every message ever received: refused, never a default.
      if (b.ids === undefined && Object.keys(filter).length === 0) {
        const say = ['give the message ids, or at least one criterion'];
        throw new HttpError(400, 'say which messages to reprocess: ids, status, type, patient, channel, since or before', { ids: say, status: say });
      }
      const r = await requeueMessages(ctx.store.db, { ...(b.ids ? { ids: b.ids } : {}), filter }, requester(req.principal));
      if (r.requeued > 0) ctx.sync().wake();
      return r;
    },
  );
};

/** A date-time as the store's ISO text (UTC, milliseconds), so text comparison is time order. */
function normaliseTime(v: string, field: string): string {
  const t = Date.parse(v.length === 10 ? `${v}T00:00:00Z` : /[Zz]|[+-]\d{2}:\d{2}$/.test(v) ? v : `${v}Z`);
  if (Number.isNaN(t)) throw new HttpError(400, `${field} is not a valid date-time`, { [field]: ['not a valid date-time'] });
  return new Date(t).toISOString();
}
