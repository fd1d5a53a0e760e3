import type { Appointment, Identifier, Patient, Resource } from '@medplum/fhirtypes';
import { Agent, type Dispatcher } from 'undici';
import type {
  AppointmentWriteChange,
  DemographicQuery,
  EmrPatientFound,
  EmrWriter,
  IdentifierKey,
} from '../../flows/sync/targets/emr/emr-writer.js';
import { createLogger, type Logger } from '../../logging/logger.js';
import { isPartnerError, PartnerError } from '../partner-error.js';
import { FhirHttp, PARTNER, type JsonResponse, type RequestFacts } from './fhir-http.js';
import { SearchBundleSchema } from './fhir-schemas.js';
import { escapeSearchValue, tokenParam } from './search-token.js';

export interface FhirEmrWriterOptions {
  /**
   * FHIR base URL. A function when it is known only later (the sandbox FHIR EMR on the
   * engine's own port exists once the server listens); undefined then means "not yet".
   */
  baseUrl: string | (() => string | undefined);
  bearerToken?: string;
  /** Per request: time to response headers and longest silence in a body (default 15 s). */
  timeoutMs?: number;
  /** In-line retries after a failure that cannot have changed anything (default 2). */
  maxRetries?: number;
  /** Most search matches read (default 20): more than one is already "not a certain match". */
  maxMatches?: number;
  logger?: Logger;
  /** Replaces the writer's keep-alive Agent (tests, proxies). Not closed by close(). */
  dispatcher?: Dispatcher;
}

type WritableType = 'Patient' | 'Appointment';

const FHIR_JSON = 'application/fhir+json';

/** Strips credentials and query from a base URL before it appears in a label or message. */
function displayBase(base: string): string {
  try {
    const u = new URL(base);
    return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return 'an invalid address';
  }
}

/** `…/Patient/123/_history/2` or `…/Patient/123` -> '123' (https://hl7.org/fhir/R4/http.html#create). */
function idFromLocation(location: string | string[] | undefined, type: string): string | undefined {
  const value = Array.isArray(location) ? location[0] : location;
  if (!value) return undefined;
  const m = new RegExp(`(?:^|/)${type}/([A-Za-z0-9\\-.]{1,64})(?:/_history/[^/]+)?/?$`).exec(value.split('?')[0] ?? '');
  return m?.[1];
}

/** The resource with `key` among its identifiers (added when absent), without server-owned id/meta. */
function withKey<T extends Patient | Appointment>(resource: T, key: IdentifierKey): T {
  const identifiers: Identifier[] = resource.identifier ?? [];
  const has = identifiers.some((i) => i.system === key.system && i.value === key.value);
  const copy = { ...resource, identifier: has ? identifiers : [...identifiers, { system: key.system, value: key.value }] };
  delete copy.id;
  delete copy.meta;
  return copy;
}

/**
 * Writes Patients and Appointments to a FHIR R4 EMR for the sync back from OnCall (issue 9).
 *
 * - Creates are conditional (https://hl7.org/fhir/R4/http.html#ccreate): `If-None-Exist:
 *   identifier=<system>|<value>` with the record's key, which the resource also carries. A
 *   create repeated after a lost answer finds the first one (200) instead of duplicating it.
 * - Updates PUT the whole resource (https://hl7.org/fhir/R4/http.html#update), with `If-Match`
 *   when the caller's copy has a `meta.versionId`, so a change made in the EMR meanwhile is not
 *   overwritten (412: read again, then retry).
 * - Searches and reads are GETs, retried on transient failures; page links are followed only
 *   on the EMR's own origin, so neither the token nor a query leaves it.
 *
 * Failures are PartnerErrors: a write that may have been applied is 'ambiguous', a refusal
 * 'permanent' with the OperationOutcome's codes and paths (never values), see fhir-http.ts.
 */
export class FhirEmrWriter implements EmrWriter {
  readonly kind = 'fhir' as const;
  readonly readable = true;
  private readonly http: FhirHttp;
  private readonly ownAgent: Agent | undefined;
  private readonly maxMatches: number;
  private readonly maxRetries: number;

  constructor(private readonly opts: FhirEmrWriterOptions) {
    const logger = opts.logger ?? createLogger({ name: 'fhir-emr-writer' });
    this.ownAgent = opts.dispatcher ? undefined : new Agent({ keepAliveTimeout: 10_000, connections: 8 });
    this.maxMatches = opts.maxMatches ?? 20;
    this.maxRetries = opts.maxRetries ?? 2;
    this.http = new FhirHttp({
      baseUrl: () => new URL(this.base()),
      bearerToken: opts.bearerToken,
      timeoutMs: opts.timeoutMs ?? 15_000,
      maxRetries: this.maxRetries,
      retryBaseDelayMs: 200,
      maxRetryDelayMs: 5_000,
      dispatcher: opts.dispatcher ?? (this.ownAgent as Agent),
      logger,
    });
  }

  get label(): string {
    const b = this.rawBase();
    return b ? `FHIR EMR at ${displayBase(b)}` : 'FHIR EMR (address not known yet)';
  }

  async close(): Promise<void> {
    await this.ownAgent?.close();
  }

  // ---- reads ------------------------------------------------------------------------------

  findPatientsByIdentifier(key: IdentifierKey, signal?: AbortSignal): Promise<EmrPatientFound[]> {
    return this.searchPatients({ identifier: tokenParam(key) }, 'by identifier', signal);
  }

  /**
   * FHIR string search is a prefix match, case- and accent-insensitive
   * (https://hl7.org/fhir/R4/search.html#string): the result is a superset of exact matches,
   * which the caller compares field by field before calling one certain.
   */
  async findPatientsByDemographics(q: DemographicQuery, signal?: AbortSignal): Promise<EmrPatientFound[]> {
    if (q.family.trim() === '') {
      throw new PartnerError(PARTNER, 'permanent', 'A demographic search needs a family name');
    }
    // A `,` in a name would otherwise mean OR (https://hl7.org/fhir/R4/search.html#escaping).
    const params: Record<string, string> = { family: escapeSearchValue(q.family) };
    if (q.given) params.given = escapeSearchValue(q.given);
    if (q.birthDate) params.birthdate = q.birthDate;
    if (q.email) params.email = escapeSearchValue(q.email);
    return this.searchPatients(params, 'by demographics', signal);
  }

  readPatient(id: string, signal?: AbortSignal): Promise<Patient | null> {
    return this.read<Patient>('Patient', id, signal);
  }

  /** The appointment with this identifier; two of them is an EMR data problem a person must see. */
  async findAppointmentByIdentifier(key: IdentifierKey, signal?: AbortSignal): Promise<{ id: string; appointment: Appointment } | null> {
    const found = await this.search<Appointment>('Appointment', { identifier: tokenParam(key) }, 'by identifier', signal);
    if (found.length > 1) {
      throw new PartnerError(PARTNER, 'permanent', `FHIR EMR holds ${found.length} Appointments with the same ${key.system} identifier; merge them in the EMR`);
    }
    const [one] = found;
    return one?.id ? { id: one.id, appointment: one } : null;
  }

  readAppointment(id: string, signal?: AbortSignal): Promise<Appointment | null> {
    return this.read<Appointment>('Appointment', id, signal);
  }

  // ---- writes -----------------------------------------------------------------------------

  createPatient(patient: Patient, key: IdentifierKey, signal?: AbortSignal): Promise<{ id: string }> {
    return this.create('Patient', withKey(patient, key), key, signal);
  }

  updatePatient(id: string, patient: Patient, signal?: AbortSignal): Promise<void> {
    return this.update('Patient', id, patient, signal);
  }

  /** `patients` serve EMRs that need them in the message (HL7); FHIR references them instead. */
  createAppointment(appointment: Appointment, key: IdentifierKey, _patients: Patient[], signal?: AbortSignal): Promise<{ id: string }> {
    return this.create('Appointment', withKey(appointment, key), key, signal);
  }

  /** The resource carries the change (status cancelled / noshow, new times): FHIR needs no event code. */
  updateAppointment(id: string, appointment: Appointment, _change: AppointmentWriteChange, _patients: Patient[], signal?: AbortSignal): Promise<void> {
    return this.update('Appointment', id, appointment, signal);
  }

  // ---- internals --------------------------------------------------------------------------

  private rawBase(): string | undefined {
    const b = typeof this.opts.baseUrl === 'function' ? this.opts.baseUrl() : this.opts.baseUrl;
    return b ? b.replace(/\/+$/, '') : undefined;
  }

  private base(): string {
    const b = this.rawBase();
    // Transient: the engine's own sandbox gets its address once the server listens.
    if (!b) throw new PartnerError(PARTNER, 'transient', "FHIR EMR's address is not known yet (the engine is not listening)");
    return b;
  }

  private async create(type: WritableType, resource: Resource, key: IdentifierKey, signal?: AbortSignal): Promise<{ id: string }> {
    const facts: RequestFacts = { op: 'create', target: type };
    let res: JsonResponse;
    try {
      res = await this.http.json(`${this.base()}/${type}`, facts, {
        method: 'POST',
        write: true,
        auth: true,
        body: JSON.stringify(resource),
        // URLSearchParams encodes `|`, `:` and `/` so the header is one unambiguous query.
        headers: { 'content-type': FHIR_JSON, 'if-none-exist': new URLSearchParams({ identifier: tokenParam(key) }).toString() },
        maxRetries: this.maxRetries,
        ...(signal ? { signal } : {}),
      });
    } catch (e) {
      if (isPartnerError(e) && e.status === 412) {
        throw new PartnerError(
          PARTNER,
          'permanent',
          `FHIR EMR holds more than one ${type} with the same ${key.system} identifier (HTTP 412 on conditional create); merge them in the EMR`,
          { status: 412, cause: e },
        );
      }
      throw e;
    }
    const body = res.body as Resource | undefined;
    const id = (body?.resourceType === type ? body.id : undefined) ?? idFromLocation(res.headers.location, type);
    if (id) return { id };
    // 200/201 without a body or Location (Prefer: return=minimal servers): the key finds it.
    const found = await this.search<Resource>(type, { identifier: tokenParam(key) }, 'after create', signal);
    if (found.length === 1 && found[0]?.id) return { id: found[0].id };
    throw new PartnerError(PARTNER, 'ambiguous', `FHIR EMR answered HTTP ${res.status} to create ${type} without saying which resource it is`, {
      status: res.status,
    });
  }

  private async update(type: WritableType, id: string, resource: Resource, signal?: AbortSignal): Promise<void> {
    const facts: RequestFacts = { op: 'update', target: `${type}/${id}` };
    const version = resource.meta?.versionId;
    const headers: Record<string, string> = { 'content-type': FHIR_JSON };
    if (version) headers['if-match'] = `W/"${version}"`;
    await this.http.json(`${this.base()}/${type}/${encodeURIComponent(id)}`, facts, {
      method: 'PUT',
      write: true,
      auth: true,
      // The URL's id wins (R4 requires them equal); meta is the server's.
      body: JSON.stringify({ ...resource, id, meta: undefined }),
      headers,
      maxRetries: this.maxRetries,
      ...(signal ? { signal } : {}),
    });
  }

  private async read<T extends Resource>(type: WritableType, id: string, signal?: AbortSignal): Promise<T | null> {
    const facts: RequestFacts = { op: 'read', target: `${type}/${id}` };
    try {
      const res = await this.http.json(`${this.base()}/${type}/${encodeURIComponent(id)}`, facts, { auth: true, ...(signal ? { signal } : {}) });
      const body = res.body as Resource | undefined;
      if (body?.resourceType !== type) {
        throw new PartnerError(PARTNER, 'permanent', `FHIR EMR returned something other than a ${type} for read ${type}/${id}`);
      }
      return body as T;
    } catch (e) {
      if (isPartnerError(e) && (e.status === 404 || e.status === 410)) return null;
      throw e;
    }
  }

  private async searchPatients(params: Record<string, string>, what: string, signal?: AbortSignal): Promise<EmrPatientFound[]> {
    const found = await this.search<Patient>('Patient', params, what, signal);
    return found.filter((p) => p.id).map((p) => ({ id: p.id as string, patient: p }));
  }

  /** Matches of a search, following `next` links until `maxMatches` are read. */
  private async search<T extends Resource>(type: WritableType, params: Record<string, string>, what: string, signal?: AbortSignal): Promise<T[]> {
    const base = this.base();
    const origin = new URL(base).origin;
    const query = new URLSearchParams({ ...params, _count: String(this.maxMatches) });
    let url: string | undefined = `${base}/${type}?${query}`;
    const out: T[] = [];
    const seen = new Set<string>();
    for (let page = 1; url !== undefined && out.length < this.maxMatches; page++) {
      if (seen.has(url)) throw new PartnerError(PARTNER, 'permanent', `FHIR EMR paging for ${type} loops back to an earlier page`);
      seen.add(url);
      const facts: RequestFacts = { op: 'search', target: `${type} ${what} page ${page}` };
      const res = await this.http.json(url, facts, { auth: true, ...(signal ? { signal } : {}) });
      const parsed = SearchBundleSchema.safeParse(res.body);
      if (!parsed.success) throw new PartnerError(PARTNER, 'permanent', `FHIR EMR did not return a searchset Bundle for ${facts.op} ${facts.target}`);
      for (const entry of parsed.data.entry ?? []) {
        if (entry.search?.mode !== undefined && entry.search.mode !== 'match') continue;
        if (entry.resource?.resourceType !== type) continue;
        out.push(entry.resource as unknown as T);
      }
      const next = parsed.data.link?.find((l) => l.relation === 'next')?.url;
      url = next === undefined ? undefined : sameOrigin(next, base, origin);
    }
    return out.slice(0, this.maxMatches);
  }
}

function sameOrigin(link: string, base: string, origin: string): string {
  let url: URL;
  try {
    url = new URL(link, `${base}/`);
  } catch {
    throw new PartnerError(PARTNER, 'permanent', 'FHIR EMR sent an invalid paging link');
  }
  if (url.origin !== origin) throw new PartnerError(PARTNER, 'permanent', 'FHIR EMR sent a paging link to another origin; not followed');
  return url.href;
}
