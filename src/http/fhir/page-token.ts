import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../store/db.js';
import type { EmrType } from '../../flows/send-to-ehr/emr-client.js';
import { FhirError } from './fhir-error.js';
import { checkSearch, MAX_COUNT, PAGE_PARAM } from './search-rules.js';

/**
 * The `_page` token of the FHIR API's paging links (issue 6, item 5). It carries the search the
 * client was allowed to run (criteria and `_count` as our rules accepted them) and the EMR's own
 * link to the next page, signed with HMAC-SHA256 under a server secret. An unsigned token used
 * to be plain base64url of the EMR link, so a client could write `Patient?_count=1000` into one
 * and page through every patient with no criterion.
 *
 * Opening a token checks the signature first (constant-time), then applies the search rules
 * again to what it carries: a token signed under older rules, or with a leaked secret, still
 * cannot ask for a search without a criterion or for more than MAX_COUNT results per page.
 */
export interface PageState {
  type: EmrType;
  /** The client's criteria, as checkSearch accepted them. */
  params: [string, string][];
  count: number;
  /** The EMR's next/previous link, relative to the EMR's base (`Patient?_getpages=...`). */
  emr: string;
}

const SETTING_KEY = 'fhir.page_token_secret';

/**
 * The HMAC key: the configured secret (EHR_BRIDGE_PAGE_TOKEN_SECRET), else one generated on
 * first use and kept in the settings table. Insert-if-absent then read, so processes starting
 * at once on one database agree on the first value written and every token verifies in each.
 */
export async function pageTokenSecret(db: Db, configured?: string): Promise<Buffer> {
  if (configured) return Buffer.from(configured, 'utf8');
  await db
    .insertInto('settings')
    .values({ key: SETTING_KEY, value: randomBytes(32).toString('base64url') })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db.selectFrom('settings').select('value').where('key', '=', SETTING_KEY).executeTakeFirstOrThrow();
  return Buffer.from(row.value, 'base64url');
}

const refused = (type: EmrType) => new FhirError(400, 'value', `${PAGE_PARAM} is not a paging token of a ${type} search`, { expression: [PAGE_PARAM] });

export class PageTokens {
  private key: Promise<Buffer> | undefined;

  constructor(private readonly loadKey: () => Promise<Buffer>) {}

  private async mac(payload: string): Promise<Buffer> {
    this.key ??= this.loadKey().catch((e: unknown) => {
      this.key = undefined;
      throw e;
    });
    return createHmac('sha256', await this.key).update(payload, 'utf8').digest();
  }

  async sign(state: PageState): Promise<string> {
    const payload = Buffer.from(JSON.stringify(state), 'utf8').toString('base64url');
    return `${payload}.${(await this.mac(payload)).toString('base64url')}`;
  }

  /** The state a token carries, or a 400 OperationOutcome (forged, tampered, another type, outside the rules). */
  async open(token: string, type: EmrType): Promise<PageState> {
    const [payload, signature, extra] = token.split('.');
    if (!payload || !signature || extra !== undefined) throw refused(type);
    const expected = await this.mac(payload);
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw refused(type);
    let state: PageState;
    try {
      state = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as PageState;
    } catch {
      throw refused(type);
    }
    if (state?.type !== type || typeof state.emr !== 'string' || !Array.isArray(state.params)) throw refused(type);
    if (!state.emr.startsWith(`${type}?`) || /[#\s]|\.\./.test(state.emr)) throw refused(type);
    if (!state.params.every((p) => Array.isArray(p) && p.length === 2 && p.every((x) => typeof x === 'string') && p[0] !== PAGE_PARAM)) throw refused(type);
    // The search rules again, on what the token carries: criterion required, _count capped.
    const checked = checkSearch(type, [...state.params, ['_count', String(state.count)]]);
    if (checked.kind !== 'search') throw refused(type);
    const emrCount = new URLSearchParams(state.emr.slice(type.length + 1)).getAll('_count');
    if (emrCount.some((c) => !/^\d+$/.test(c) || Number(c) > MAX_COUNT)) throw refused(type);
    return { type, params: checked.params, count: checked.count, emr: state.emr };
  }
}
