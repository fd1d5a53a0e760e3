/**
 * OnCall Health configuration constants: the one place to correct when a real account shows
 * the documentation or our assumptions wrong (partner-apis.md, "OnCall Health").
 */

export type OncallRegion = 'ca' | 'us';

/**
 * Two separate deployments for PHIPA (Canada) and HIPAA (United States) residency
 * (bulk import guide, "A note regarding endpoints"). The region is always a configuration
 * choice: there is deliberately no default, so a patient is never sent to the wrong country.
 */
export const ONCALL_REGION_BASE_URLS = {
  ca: 'https://api.oncallhealth.ca',
  us: 'https://api.oncallhealth.us',
} as const satisfies Record<OncallRegion, string>;

/** `baseUrl` (sandbox, proxy) wins over `region`; the result has no trailing slash. */
export function oncallBaseUrl(opts: { region?: OncallRegion; baseUrl?: string }): string {
  if (opts.baseUrl) {
    const parsed = new URL(opts.baseUrl);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw new Error(`OnCall base URL must be http(s), got ${parsed.protocol}`);
    }
    return `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, '');
  }
  if (opts.region) {
    const url = ONCALL_REGION_BASE_URLS[opts.region];
    if (!url) throw new Error(`Unknown OnCall region '${String(opts.region)}' (expected ca or us)`);
    return url;
  }
  throw new Error('OnCall Health needs a region (ca or us) or a baseUrl');
}

/** Client defaults (see OncallClient constructor). */
export const ONCALL_CLIENT_DEFAULTS = {
  /**
   * Ceiling of the adaptive concurrency limit (adaptive-limit.ts), which starts at 4 and grows
   * only while the partner's answer time holds: the ceiling guards sockets, not the partner.
   */
  concurrency: 64,
  /**
   * OnCall publishes no rate limit. Politeness comes from the adaptive limit (it halves on
   * 429/503 and shrinks on rising latency) and from 429 + Retry-After, which pauses the whole
   * queue; a fixed pace would cap a fast partner for nothing. 0 or Infinity = unlimited.
   */
  requestsPerSecond: 0,
  timeoutMs: 15_000,
  maxRetries: 5,
  /** First backoff step; doubles per attempt, with jitter, capped at retryMaxDelayMs. */
  retryBaseMs: 250,
  retryMaxDelayMs: 10_000,
  /** A Retry-After longer than this is not slept through in-process: the error goes to the caller. */
  maxRetryAfterMs: 60_000,
} as const;

/** Django-REST page size used for listings; OnCall caps page_size at 100 (assumed). */
export const ONCALL_MAX_PAGE_SIZE = 100;

/**
 * Assumptions about OnCall behaviour the documentation does not settle.
 */
export const ONCALL_ASSUMPTIONS = {
  /**
   * Values written to `sex` for each FHIR administrative gender. The docs never list the
   * accepted values; the guide's responses show exactly "male", "female" and "Unknown", so we
   * write only those (FHIR `other` has no known counterpart and becomes "Unknown") and read any
   * case. Reading maps a value to the FIRST gender listed for it, hence `unknown` before `other`.
   */
  sexByFhirGender: {
    male: 'male',
    female: 'female',
    unknown: 'Unknown',
    other: 'Unknown',
  },
  /**
   * PATCH /contacts/{id}/ with `custom_field_values` is taken to update only the keys sent
   * (the docs say "only the keys that changed"). If false, the patch sends the whole map.
   */
  contactCustomFieldsPatchMerges: true,
  /**
   * Appointment `metadata` is a JSON object; a PATCH is taken to replace it as a whole (the
   * usual behaviour of a JSON field), so a patch always carries the complete merged object.
   */
  appointmentMetadataPatchReplaces: true,
  /** `type` when the FHIR Appointment carries no code we recognise. */
  defaultAppointmentType: 'online',
  /** Participant `fee` when none is given. */
  defaultParticipantFee: 0,
  /** `title` is required; used when the FHIR Appointment has no description. */
  defaultAppointmentTitle: 'Appointment',
  /** Metadata key holding the EMR id of an appointment. */
  defaultEmrIdMetadataKey: 'emr_id',
} as const;
