import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { secureCookiesSchema, trustProxySchema } from './proxy-settings.js';

/**
 * One validated configuration for every entry point (server, CLI, workers). Sources, later
 * wins: built-in defaults (the embedded run: SQLite file, sandbox partners), an optional JSON
 * file named by EHR_BRIDGE_CONFIG, then the environment. Secrets only ever come from the file
 * or the environment, never from the repository.
 */
const intFromEnv = (def: number) => z.coerce.number().int().nonnegative().default(def);
/** A switch whose absence means "decide automatically": true/false, or 1/0, yes/no, on/off. */
const optionalBoolFromEnv = () =>
  z
    .union([z.boolean(), z.string().trim().toLowerCase().pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off']))])
    .optional()
    .transform((v) => (v === undefined || typeof v === 'boolean' ? v : ['true', '1', 'yes', 'on'].includes(v)));

/**
 * Where and how one hospital's EHR takes documents (issue 3, "EHR route"). Transports without
 * an address (mllp without host/port, file without dir, http without url) mean the sandbox EHR
 * receiver of the embedded run.
 */
const ehrTlsSchema = z.union([
  z.boolean(),
  z.object({
    /** PEM files: a private CA to trust, and a client certificate/key for mutual TLS. */
    caFile: z.string().optional(),
    certFile: z.string().optional(),
    keyFile: z.string().optional(),
    servername: z.string().optional(),
    rejectUnauthorized: z.boolean().default(true),
  }),
]);
export const ehrTransportSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('mllp'),
    host: z.string().min(1).optional(),
    port: z.coerce.number().int().min(1).max(65535).optional(),
    tls: ehrTlsSchema.default(false),
    connectTimeoutMs: z.coerce.number().int().positive().default(10_000),
    ackTimeoutMs: z.coerce.number().int().positive().default(30_000),
  }),
  z.object({
    kind: z.literal('file'),
    dir: z.string().min(1).optional(),
  }),
  z.object({
    kind: z.literal('http'),
    url: z.string().url().optional(),
    bearerToken: z.string().min(1).optional(),
    timeoutMs: z.coerce.number().int().positive().default(30_000),
  }),
]);
export const ehrRouteSchema = z.object({
  format: z.enum(['hl7-oru', 'hl7-mdm', 'hprim', 'json']).default('hl7-oru'),
  transport: ehrTransportSchema.prefault({ kind: 'mllp' }),
  /** Character set of the message; unset = the format's usual one (HL7 UTF-8, HPRIM ISO-8859-1; JSON is always UTF-8). */
  charset: z.enum(['UTF-8', 'ISO-8859-1']).optional(),
  /** Characters outside ISO-8859-1 on a Latin-1 route: transliterate (default) or fail the delivery. */
  onUnmappable: z.enum(['substitute', 'error']).default('substitute'),
  /**
   * FHIR Organization ids (or `Organization/<id>` references) whose documents take this route:
   * matched against Encounter.serviceProvider, then Patient.managingOrganization.
   */
  organizations: z.array(z.string().min(1)).default([]),
  /** MSH-5/MSH-6 (HPRIM receiver, JSON receiver). */
  receivingApplication: z.string().min(1).default('EHR'),
  receivingFacility: z.string().min(1).optional(),
  /** Delivery attempts before a retryable failure (AR, timeout, refused) becomes final. */
  maxAttempts: z.coerce.number().int().min(1).max(100).default(8),
  /** First retry delay; doubles per attempt up to 5 minutes. */
  retryBaseDelayMs: z.coerce.number().int().positive().default(2_000),
})
  // MLLP carries HL7 v2 only; an HPRIM file travels with its document beside it, so by file drop.
  .refine((r) => r.transport.kind !== 'mllp' || r.format === 'hl7-oru' || r.format === 'hl7-mdm', {
    message: 'the mllp transport carries the hl7-oru and hl7-mdm formats only',
    path: ['transport'],
  })
  .refine((r) => r.format !== 'hprim' || r.transport.kind === 'file', { message: 'the hprim format is delivered by file drop', path: ['transport'] });
export type EhrRouteConfig = z.infer<typeof ehrRouteSchema>;
export type EhrTransportConfig = z.infer<typeof ehrTransportSchema>;

export const configSchema = z.object({
  port: intFromEnv(8080),
  host: z.string().default('localhost'),
  /** Public base URL of this engine, used in links it hands out (tracking URLs, sandbox URLs). */
  publicUrl: z.string().url().optional(),
  databaseUrl: z.string().min(1).default('./data/ehr-bridge.sqlite'),
  /** SQLite: how long a statement waits for another process's lock (CLI import, backup) before failing. */
  sqliteBusyTimeoutMs: intFromEnv(5000),
  /** Behind a TLS-terminating proxy: which X-Forwarded-* hops to trust (Fastify's trustProxy). */
  trustProxy: trustProxySchema,
  /** Secure flag of the session cookie: auto (https request or https publicUrl), true, false. */
  secureCookies: secureCookiesSchema,
  /** Header whose value becomes the request id (set by a proxy that generates ids); unset = our own random id, a client's header ignored. */
  requestIdHeader: z.string().trim().toLowerCase().regex(/^[a-z0-9-]{1,64}$/, 'must be an HTTP header name').optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * Serve the partner sandboxes under /sandbox on the engine's own port. Unset = automatic: on
   * only in the embedded demo (no partner configured, loopback host); see
   * src/sandboxes/enabled.ts. An explicit value wins (EHR_BRIDGE_SANDBOXES=true|false).
   */
  sandboxes: optionalBoolFromEnv(),
  workerConcurrency: intFromEnv(4),
  /** PostgreSQL: a worker process silent this long is taken for dead; another takes over its jobs and chunk leases. */
  workerDeadAfterSeconds: z.coerce.number().int().min(2).max(86_400).default(60),
  admin: z.object({
    user: z.string().min(1).default('admin'),
    /** When unset, a random password is generated on first start and kept in data/admin-password.txt. */
    password: z.string().min(8).optional(),
  }),
  oncall: z.object({
    /** Explicit base URL; wins over region. Unset + no region → the embedded sandbox. */
    baseUrl: z.string().url().optional(),
    region: z.enum(['ca', 'us']).optional(),
    apiKey: z.string().min(1).optional(),
    /** Roster custom field (id) that holds the EMR id. Assumption: "1", as in the seed's example. */
    emrIdField: z.string().min(1).default('1'),
    /** Appointment metadata key that holds the EMR id. */
    emrIdMetadataKey: z.string().min(1).max(100).default('emr_id'),
    /**
     * ONCALL_CONCURRENCY: the most parallel requests towards OnCall. The client adapts below it
     * (starts at 4, grows while answer times hold, halves on 429/503): src/partners/oncall/adaptive-limit.ts.
     */
    concurrency: intFromEnv(64),
    /** Requests per second towards OnCall; 0 = no limit beyond concurrency. */
    requestsPerSecond: intFromEnv(0),
    timeoutMs: intFromEnv(15_000),
    maxRetries: intFromEnv(6),
    /**
     * OnCall's own web page of a record, for the "open in OnCall" link of the run report: an
     * address with `{kind}` (contacts, appointments) and `{id}`, or a base URL that gets
     * `/{kind}/{id}/` appended. Unset: no such link (the in-app view still works).
     */
    webUrl: z.string().url().refine((u) => /^https?:\/\//i.test(u), 'an http(s) address is required').optional(),
  }),
  /** The EMR the FHIR API's Patient/Encounter come from. Unset → the sandbox FHIR EMR of the embedded run. */
  emr: z.object({
    fhirUrl: z.string().url().optional(),
    bearerToken: z.string().min(1).optional(),
    timeoutMs: intFromEnv(15_000),
    /** HMAC key of the FHIR API's `_page` tokens; unset = generated once and kept in the settings table. */
    pageTokenSecret: z.string().min(32, 'needs at least 32 characters').optional(),
  }),
  /** OAuth 2.0 client credentials for the FHIR API (POST /oauth/token). */
  oauth: z.object({
    tokenTtlSeconds: z.coerce.number().int().min(60).max(86_400).default(3600),
    /** Accepted `audience` values; empty = any (a Lifen client sends Lifen's own audience). */
    audiences: z.array(z.string().min(1)).default([]),
  }),
  /**
   * How long patient data is kept at rest, one setting per kind of data (issue 6, item 9).
   * Document bytes and tracking keep their older settings, `ehr.documentRetentionHours` and
   * `ehr.trackingRetentionMonths`; `src/retention/policy.ts` gathers all of them.
   */
  retention: z
    .object({
      /** The record data of an import's rows is purged this many days after the run ended; the report stays. */
      importRowsDays: intFromEnv(30),
      /** A delivered message's preview keeps the patient's identifiers this many days after the delivery ended. */
      messagePreviewDays: intFromEnv(7),
      /** How often the purge job runs. */
      purgeIntervalMinutes: z.coerce.number().int().min(1).max(24 * 60).default(60),
    })
    .prefault({}),
  /** Document delivery to hospital EHRs ($send-to-ehr). */
  ehr: z.object({
    routes: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/), ehrRouteSchema).prefault({ default: {} }),
    /** Route for documents whose organisation no route lists. */
    defaultRoute: z.string().min(1).default('default'),
    /** MSH-3/MSH-4 when the OAuth client has no usable name. */
    sendingApplication: z.string().min(1).default('EHR-BRIDGE'),
    sendingFacility: z.string().min(1).optional(),
    timeZone: z.string().min(1).default('Europe/Paris'),
    /** Largest decoded document accepted (413 above). */
    maxPayloadBytes: z.coerce.number().int().positive().default(20 * 1024 * 1024),
    /** Tracking answers for this many months after the request, then 410 Gone. */
    trackingRetentionMonths: z.coerce.number().int().min(1).max(120).default(2),
    /** Document bytes are kept this long after the delivery ended (completed or failed), then purged. */
    documentRetentionHours: z.coerce.number().int().nonnegative().default(168),
    /** The same request content from the same client within this window is the same transaction. */
    dedupWindowSeconds: z.coerce.number().int().nonnegative().default(3600),
    /** MLLP port of the sandbox EHR receiver in the embedded run and `ehr-bridge sandbox` (0 = any free port). */
    sandboxMllpPort: z.coerce.number().int().min(0).max(65535).default(2575),
  }).refine((e) => e.defaultRoute in e.routes, { message: 'defaultRoute must name one of ehr.routes', path: ['defaultRoute'] }),
});

export type Config = z.infer<typeof configSchema>;

/** Maps environment variables onto the nested config shape (only the ones that are set). */
function fromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const pick = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const strip = (o: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return strip({
    port: pick('PORT'),
    host: pick('HOST'),
    publicUrl: pick('EHR_BRIDGE_PUBLIC_URL'),
    databaseUrl: pick('EHR_BRIDGE_DATABASE_URL'),
    sqliteBusyTimeoutMs: pick('EHR_BRIDGE_SQLITE_BUSY_TIMEOUT_MS'),
    retention: strip({
      importRowsDays: pick('EHR_BRIDGE_IMPORT_ROWS_RETENTION_DAYS'),
      messagePreviewDays: pick('EHR_BRIDGE_MESSAGE_PREVIEW_RETENTION_DAYS'),
      purgeIntervalMinutes: pick('EHR_BRIDGE_RETENTION_INTERVAL_MINUTES'),
    }),
    trustProxy: pick('EHR_BRIDGE_TRUST_PROXY'),
    secureCookies: pick('EHR_BRIDGE_SECURE_COOKIES'),
    requestIdHeader: pick('EHR_BRIDGE_REQUEST_ID_HEADER'),
    logLevel: pick('LOG_LEVEL'),
    sandboxes: pick('EHR_BRIDGE_SANDBOXES'),
    workerConcurrency: pick('EHR_BRIDGE_WORKER_CONCURRENCY'),
    workerDeadAfterSeconds: pick('EHR_BRIDGE_WORKER_DEAD_AFTER_SECONDS'),
    admin: strip({ user: pick('EHR_BRIDGE_ADMIN_USER'), password: pick('EHR_BRIDGE_ADMIN_PASSWORD') }),
    oncall: strip({
      baseUrl: pick('ONCALL_BASE_URL'),
      region: pick('ONCALL_REGION'),
      apiKey: pick('ONCALL_API_KEY'),
      emrIdField: pick('ONCALL_EMR_ID_FIELD'),
      emrIdMetadataKey: pick('ONCALL_EMR_ID_METADATA_KEY'),
      concurrency: pick('ONCALL_CONCURRENCY'),
      requestsPerSecond: pick('ONCALL_REQUESTS_PER_SECOND'),
      timeoutMs: pick('ONCALL_TIMEOUT_MS'),
      maxRetries: pick('ONCALL_MAX_RETRIES'),
      webUrl: pick('ONCALL_WEB_URL'),
    }),
    emr: strip({ fhirUrl: pick('EHR_BRIDGE_EMR_FHIR_URL'), bearerToken: pick('EHR_BRIDGE_EMR_FHIR_TOKEN'), timeoutMs: pick('EHR_BRIDGE_EMR_TIMEOUT_MS'), pageTokenSecret: pick('EHR_BRIDGE_PAGE_TOKEN_SECRET') }),
    oauth: strip({
      tokenTtlSeconds: pick('EHR_BRIDGE_OAUTH_TOKEN_TTL_SECONDS'),
      audiences: pick('EHR_BRIDGE_OAUTH_AUDIENCES')?.split(/[\s,]+/).filter(Boolean),
    }),
    ehr: strip({
      routes: jsonFromEnv(pick('EHR_BRIDGE_EHR_ROUTES')),
      defaultRoute: pick('EHR_BRIDGE_EHR_DEFAULT_ROUTE'),
      sendingApplication: pick('EHR_BRIDGE_EHR_SENDING_APPLICATION'),
      sendingFacility: pick('EHR_BRIDGE_EHR_SENDING_FACILITY'),
      timeZone: pick('EHR_BRIDGE_EHR_TIME_ZONE'),
      maxPayloadBytes: pick('EHR_BRIDGE_MAX_PAYLOAD_BYTES'),
      trackingRetentionMonths: pick('EHR_BRIDGE_TRACKING_RETENTION_MONTHS'),
      documentRetentionHours: pick('EHR_BRIDGE_DOCUMENT_RETENTION_HOURS'),
      dedupWindowSeconds: pick('EHR_BRIDGE_DEDUP_WINDOW_SECONDS'),
      sandboxMllpPort: pick('EHR_BRIDGE_EHR_MLLP_PORT'),
    }),
  });
}

/** A JSON value from the environment; left as text when unparsable so validation names the variable's field. */
function jsonFromEnv(v: string | undefined): unknown {
  if (v === undefined) return undefined;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev)
        ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Record<string, unknown> = {}): Config {
  let fileValues: Record<string, unknown> = {};
  const file = env.EHR_BRIDGE_CONFIG;
  if (file) {
    try {
      fileValues = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError(`cannot read the configuration file ${file}: ${(e as Error).message}`);
    }
  }
  const merged = deepMerge(deepMerge(deepMerge({ admin: {}, oncall: {}, emr: {}, oauth: {}, ehr: { routes: { default: {} } } }, fileValues), fromEnv(env)), overrides);
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}
