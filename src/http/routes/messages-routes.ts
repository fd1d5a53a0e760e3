import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { decodeHl7Bytes } from '../../hl7/charset.js';
import { MAX_PAGE, MessageStore } from '../../messages/message-store.js';
import { MESSAGE_STATUSES, type MessageFilter } from '../../messages/types.js';
import type { AppContext } from '../../server/context.js';
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
        params: z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) }),
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
};

/** A date-time as the store's ISO text (UTC, milliseconds), so text comparison is time order. */
function normaliseTime(v: string, field: string): string {
  const t = Date.parse(v.length === 10 ? `${v}T00:00:00Z` : /[Zz]|[+-]\d{2}:\d{2}$/.test(v) ? v : `${v}Z`);
  if (Number.isNaN(t)) throw new HttpError(400, `${field} is not a valid date-time`, { [field]: ['not a valid date-time'] });
  return new Date(t).toISOString();
}
