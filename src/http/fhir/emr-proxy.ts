import type { Bundle, BundleLink, Resource } from '@medplum/fhirtypes';
import type { EmrClient, EmrType } from '../../flows/send-to-ehr/emr-client.js';
import { isPartnerError } from '../../partners/partner-error.js';
import { FhirError } from './fhir-error.js';
import { PageTokens, type PageState } from './page-token.js';
import { checkSearch, ID_RE, PAGE_PARAM } from './search-rules.js';

/**
 * Patient and Encounter as the FHIR API serves them: read and searched in the EMR the engine is
 * connected to, one page per request. Our rules apply first (search-rules.ts); the EMR's paging
 * links become signed `_page` tokens under our base (page-token.ts), so a client never talks to
 * the EMR, a token cannot point anywhere but the EMR's own base for the same type, and a forged
 * or edited token is refused before the EMR is called.
 */
function emrFailure(e: unknown, what: string): FhirError {
  if (isPartnerError(e)) {
    if (e.status === 410) return new FhirError(410, 'expired', 'This page of results has expired: run the search again');
    if (e.status === 400 || e.status === 422) return new FhirError(e.status, 'invalid', `The EMR refused the ${what}`);
    if (e.kind === 'auth') return new FhirError(502, 'exception', 'The EMR refused the engine\'s credentials');
    return new FhirError(503, 'transient', `The EMR is unavailable for the ${what}; try again later`, { headers: { 'retry-after': '5' } });
  }
  return new FhirError(502, 'exception', `The EMR gave an unusable answer to the ${what}`);
}

export class EmrProxy {
  constructor(
    private readonly emr: () => EmrClient,
    private readonly tokens: PageTokens,
  ) {}

  async read(type: EmrType, id: string): Promise<Resource> {
    // Anything but a FHIR id never reaches the EMR.
    if (!ID_RE.test(id)) throw new FhirError(400, 'value', `Invalid ${type} id: an id is 1 to 64 characters A-Z a-z 0-9 - .`);
    // Outside the try, as in search(): an EMR that is not configured is the plugin's 503, not an EMR failure.
    const emr = this.emr();
    let resource: Resource | null;
    try {
      resource = await emr.read(type, id);
    } catch (e) {
      throw emrFailure(e, `${type} read`);
    }
    if (!resource) throw new FhirError(404, 'not-found', `${type}/${id} is not known`);
    return resource;
  }

  async search(type: EmrType, pairs: [string, string][], fhirBase: string): Promise<Bundle> {
    const checked = checkSearch(type, pairs);
    let search: Omit<PageState, 'emr'>;
    let relative: string;
    let selfUrl: string;
    if (checked.kind === 'page') {
      const state = await this.tokens.open(checked.token, type);
      search = { type, params: state.params, count: state.count };
      relative = state.emr;
      selfUrl = `${fhirBase}/${type}?${new URLSearchParams({ [PAGE_PARAM]: checked.token })}`;
    } else {
      search = { type, params: checked.params, count: checked.count };
      const query = new URLSearchParams(checked.params);
      query.set('_count', String(checked.count));
      relative = `${type}?${query}`;
      selfUrl = `${fhirBase}/${type}?${query}`;
    }
    const emr = this.emr();
    let bundle: Bundle;
    try {
      bundle = await emr.searchPage(relative, type);
    } catch (e) {
      throw emrFailure(e, `${type} search`);
    }
    return this.rewrite(bundle, search, emr.baseUrl, fhirBase, selfUrl);
  }

  private async rewrite(bundle: Bundle, search: Omit<PageState, 'emr'>, emrBase: string, fhirBase: string, selfUrl: string): Promise<Bundle> {
    const type = search.type;
    const links: BundleLink[] = [{ relation: 'self', url: selfUrl }];
    for (const l of bundle.link ?? []) {
      if (l.relation === 'self' || !l.url?.startsWith(`${emrBase}/`)) continue;
      const relative = l.url.slice(emrBase.length + 1);
      if (!relative.startsWith(`${type}?`)) continue;
      const token = await this.tokens.sign({ ...search, emr: relative });
      links.push({ relation: l.relation, url: `${fhirBase}/${type}?${new URLSearchParams({ [PAGE_PARAM]: token })}` });
    }
    const entry = (bundle.entry ?? [])
      // Only matches of the searched type: no _include'd resources or EMR OperationOutcomes leak through.
      .filter((e) => e.resource?.resourceType === type && (e.search?.mode === undefined || e.search.mode === 'match'))
      .map((e) => ({ fullUrl: `${fhirBase}/${type}/${e.resource?.id}`, resource: e.resource, search: { mode: 'match' as const } }));
    return {
      resourceType: 'Bundle',
      ...(bundle.id ? { id: bundle.id } : {}),
      meta: { lastUpdated: new Date().toISOString() },
      type: 'searchset',
      ...(bundle.total !== undefined ? { total: bundle.total } : {}),
      link: links,
      entry,
    };
  }
}
