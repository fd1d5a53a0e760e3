import { userInfo } from 'node:os';
import { PostgresAdapter } from 'kysely';
import { createInterface } from 'node:readline/promises';
import { decodeHl7Bytes } from '../../hl7/charset.js';
import { MessageStore } from '../../messages/message-store.js';
import { countRequeuable, MAX_REQUEUE, requeueMessages, REQUEUABLE_STATUSES } from '../../messages/requeue.js';
import type { MessageFilter, MessageSummary } from '../../messages/types.js';
import type { Db, Dialect } from '../../store/db.js';
import { withDatabase } from '../with-database.js';
import { parseIds, parseLimit, parseSelection, UsageError, type SelectionOpts } from './message-options.js';
import { idList, messageDetailText, messageTable, segmentsOnLines } from './message-words.js';

/** Exit codes, as the other commands: 0 done, 1 could not be done, 2 bad usage or input. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const satisfies Record<string, number>;

/** Most messages `list` prints in one call (pages of the store's 200 underneath). */
export const MAX_LIST = 10_000;

const NOT_FOUND = 'it may have been removed by the retention policy';

export interface ListOpts extends SelectionOpts {
  limit?: string;
  json?: boolean;
}
export interface ShowOpts {
  raw?: boolean;
  json?: boolean;
}
export interface ReprocessOpts extends SelectionOpts {
  yes?: boolean;
  json?: boolean;
}

function out(text: string): void {
  process.stdout.write(text);
}

/**
 * Runs one subcommand: a wrong value is exit 2 with its message, any other error exit 1, both
 * as one line on stderr (and with --json one `{error, exitCode}` object on stdout, as `import`).
 */
async function guarded(sub: string, json: boolean | undefined, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    const exitCode = e instanceof UsageError ? EXIT.usage : EXIT.failure;
    const message = (e as Error).message;
    process.stderr.write(`ehr-bridge messages ${sub}: ${message}${exitCode === EXIT.usage ? `\nsee ehr-bridge messages ${sub} --help` : ''}\n`);
    if (json) out(`${JSON.stringify({ error: message, exitCode })}\n`);
    return exitCode;
  }
}

/** `messages list`: newest first, the store's pages followed up to --limit. */
export function runList(o: ListOpts): Promise<number> {
  return guarded('list', o.json, async () => {
    const sel = parseSelection(o);
    const limit = parseLimit(o.limit, MAX_LIST);
    const { before: beforeTime, ...rest } = sel;
    // A time as the store's cursor: every message received before it (no id is below 1).
    const filter: MessageFilter = { ...rest, ...(beforeTime ? { before: { receivedAt: beforeTime, id: 0 } } : {}) };
    const items = await withDatabase(async (db) => {
      const store = new MessageStore(db, dialectOf(db));
      const got: MessageSummary[] = [];
      let before = filter.before;
      while (got.length < limit) {
        const page = await store.list({ ...filter, ...(before ? { before } : {}), limit: Math.min(200, limit - got.length) });
        got.push(...page.items);
        if (!page.next) break;
        before = page.next;
      }
      return got;
    });
    if (o.json) out(`${JSON.stringify(items)}\n`);
    else if (items.length === 0) out('No message matches.\n');
    else out(messageTable(items) + (items.length === limit ? `(the ${limit.toLocaleString('en')} newest; --limit shows more)\n` : ''));
    return EXIT.ok;
  });
}

/** `messages show <id>`: the header, status, ACK and trace in words; `--raw` the message text. */
export function runShow(idWord: string, o: ShowOpts): Promise<number> {
  return guarded('show', o.json, async () => {
    const [id] = parseIds([idWord]);
    if (id === undefined) throw new UsageError('give one message id');
    const m = await withDatabase((db) => new MessageStore(db, dialectOf(db)).get(id));
    if (!m) {
      process.stderr.write(`ehr-bridge messages show: no message ${id} (${NOT_FOUND})\n`);
      if (o.json) out(`${JSON.stringify({ error: `no message ${id}`, exitCode: EXIT.failure })}\n`);
      return EXIT.failure;
    }
    const raw = decodeHl7Bytes(m.raw);
    const { raw: _raw, ack, ...rest } = m;
    if (o.json) {
      // The API's shape (GET /api/messages/:id): texts, not bytes.
      out(`${JSON.stringify({ ...rest, raw: raw.text, rawCharset: raw.charset, ack: ack ? decodeHl7Bytes(ack).text : null })}\n`);
    } else if (o.raw) {
      out(segmentsOnLines(raw.text));
    } else {
      out(messageDetailText(rest));
    }
    return EXIT.ok;
  });
}

/**
 * `messages reprocess`: back to waiting; the running engine's processor finds them at its next
 * poll (it polls the store, so this process needs no line to it). A filter matching more than
 * one message asks first on a terminal; without one it needs --yes, so a script never requeues
 * a thousand messages by accident.
 */
export function runReprocess(idWords: string[], o: ReprocessOpts): Promise<number> {
  return guarded('reprocess', o.json, async () => {
    const ids = parseIds(idWords);
    const sel = parseSelection(o);
    const hasFilter = Object.keys(sel).length > 0;
    if (ids.length === 0 && !hasFilter) throw new UsageError('give message ids, or a selection such as --status failed');
    if (ids.length > MAX_REQUEUE) throw new UsageError(`at most ${MAX_REQUEUE.toLocaleString('en')} ids at a time`);
    if (sel.status === 'received') throw new UsageError(`--status received: those messages are already waiting (reprocess takes ${REQUEUABLE_STATUSES.join(', ')})`);
    const req = { ...(ids.length > 0 ? { ids } : {}), ...(hasFilter ? { filter: sel } : {}) };
    const interactive = process.stdin.isTTY === true && process.stderr.isTTY === true;

    return withDatabase(async (db) => {
      const matching = await countRequeuable(db, req);
      if (matching === 0) {
        return nothingToDo(db, ids, o.json);
      }
      if (hasFilter && ids.length === 0 && !o.yes && !interactive) {
        throw new UsageError(`${count(matching)} match; reprocessing by a selection needs --yes when not run on a terminal`);
      }
      if (matching > 1 && !o.yes && interactive) {
        const shown = Math.min(matching, MAX_REQUEUE);
        if (!(await confirm(`Set ${count(shown)} back to waiting, to be processed again? [y/N] `))) {
          process.stderr.write('Nothing changed.\n');
          if (o.json) out(`${JSON.stringify({ requeued: 0, ids: [], left: matching })}\n`);
          return EXIT.ok;
        }
      }
      const r = await requeueMessages(db, req, requester());
      const missing = ids.length > 0 ? await missingIds(db, ids) : [];
      if (o.json) {
        out(`${JSON.stringify({ ...r, ...(missing.length ? { notFound: missing } : {}) })}\n`);
      } else {
        out(`${count(r.requeued)} set back to waiting: ${idList(r.ids)}\n`);
        out('A running engine processes them again within a second, else at its next start (ehr-bridge messages show <id> follows one).\n');
        if (r.left > 0) out(`${count(r.left)} more match: run the same command again for them.\n`);
        const waiting = ids.filter((id) => !r.ids.includes(id) && !missing.includes(id));
        if (waiting.length > 0) out(`Already waiting, left as they are: ${idList(waiting)}\n`);
      }
      for (const id of missing) process.stderr.write(`ehr-bridge messages reprocess: no message ${id} (${NOT_FOUND})\n`);
      return missing.length > 0 ? EXIT.failure : EXIT.ok;
    });
  });
}

/** Nothing matched: say why (ids unknown, already waiting, or the selection matches nothing). */
async function nothingToDo(db: Db, ids: number[], json: boolean | undefined): Promise<number> {
  const missing = ids.length > 0 ? await missingIds(db, ids) : [];
  if (json) out(`${JSON.stringify({ requeued: 0, ids: [], left: 0, ...(missing.length ? { notFound: missing } : {}) })}\n`);
  else if (ids.length > 0 && missing.length < ids.length) out('Nothing to reprocess: the messages given are already waiting, or do not match the selection.\n');
  else if (ids.length === 0) out('No message matches: nothing to reprocess.\n');
  for (const id of missing) process.stderr.write(`ehr-bridge messages reprocess: no message ${id} (${NOT_FOUND})\n`);
  return missing.length > 0 ? EXIT.failure : EXIT.ok;
}

async function missingIds(db: Db, ids: number[]): Promise<number[]> {
  const found = new Set<number>();
  for (let i = 0; i < ids.length; i += 1000) {
    const rows = await db.selectFrom('messages').select('id').where('id', 'in', ids.slice(i, i + 1000)).execute();
    for (const r of rows) found.add(Number(r.id));
  }
  return ids.filter((id) => !found.has(id));
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

function count(n: number): string {
  return `${n.toLocaleString('en')} ${n === 1 ? 'message' : 'messages'}`;
}

/** Who asked, for the messages' trace: the command line and the operating-system user. */
function requester(): string {
  let user = process.env.USER ?? process.env.LOGNAME;
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (some containers): the environment's name, if any
  }
  return user ? `${user} on the command line` : 'the command line';
}

function dialectOf(db: Db): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}
