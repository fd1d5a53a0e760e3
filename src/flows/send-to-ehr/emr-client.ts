import type { Bundle, Resource } from '@medplum/fhirtypes';
import { Agent } from 'undici';
import type { Logger } from '../../logging/logger.js';
import { FhirHttp } from '../../partners/fhir-emr/fhir-http.js';
import { isPartnerError } from '../../partners/partner-error.js';

/**
 * The EMR the engine is connected to, as the FHIR API and the delivery job see it: reads of
 * Patient/Encounter and single search pages (the FHIR API proxies them page by page). Built on
 * the FHIR EMR reader's HTTP layer, so failures come classified as PartnerError (transient /
 * permanent / auth) and never carry patient data.
 */
export interface EmrClientOptions {
  baseUrl: string;
  bearerToken?: string;
  timeoutMs: number;
  logger: Logger;
  /** Retries of a GET after a transient failure (default 2). */
  maxRetries?: number;
}

export type EmrType = 'Patient' | 'Encounter';

export class EmrClient {
  readonly baseUrl: string;
  private readonly http: FhirHttp;
  private readonly agent: Agent;

  constructor(opts: EmrClientOptions) {
    const url = new URL(opts.baseUrl);
    this.baseUrl = url.href.replace(/\/+$/, '');
    this.agent = new Agent({ keepAliveTimeout: 10_000, connections: 16 });
    this.http = new FhirHttp({
      baseUrl: url,
      bearerToken: opts.bearerToken,
      timeoutMs: opts.timeoutMs,
      maxRetries: opts.maxRetries ?? 2,
      retryBaseDelayMs: 200,
      maxRetryDelayMs: 5_000,
      dispatcher: this.agent,
      logger: opts.logger,
    });
  }

  /** The resource, or null when the EMR says it does not exist (404 / 410). Other failures throw. */
  async read<T extends Resource>(type: EmrType, id: string): Promise<T | null> {
    try {
      const res = await this.http.json(`${this.baseUrl}/${type}/${encodeURIComponent(id)}`, { op: 'read', target: type }, { auth: true });
      const body = res.body as Resource | undefined;
      return body?.resourceType === type ? (body as T) : null;
    } catch (e) {
      if (isPartnerError(e) && (e.status === 404 || e.status === 410)) return null;
      throw e;
    }
  }

  /** One search page: `pathAndQuery` is relative to the base (`Patient?family=Du&_count=20`). */
  async searchPage(pathAndQuery: string, type: EmrType): Promise<Bundle> {
    const res = await this.http.json(`${this.baseUrl}/${pathAndQuery}`, { op: 'search', target: type }, { auth: true });
    const body = res.body as Bundle | undefined;
    if (body?.resourceType !== 'Bundle') throw new Error(`FHIR EMR search for ${type} did not return a Bundle`);
    return body;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
