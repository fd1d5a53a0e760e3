import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * One validated configuration for every entry point (server, CLI, workers). Sources, later
 * wins: built-in defaults (the embedded run: SQLite file, sandbox partners), an optional JSON
 * file named by EHR_BRIDGE_CONFIG, then the environment. Secrets only ever come from the file
 * or the environment, never from the repository.
 */
const intFromEnv = (def: number) => z.coerce.number().int().nonnegative().default(def);
const boolFromEnv = (def: boolean) =>
  z
    .union([z.boolean(), z.string()])
    .default(def)
    .transform((v) => (typeof v === 'boolean' ? v : !['0', 'false', 'no', 'off', ''].includes(v.toLowerCase())));

export const configSchema = z.object({
  port: intFromEnv(8080),
  host: z.string().default('localhost'),
  /** Public base URL of this engine, used in links it hands out (tracking URLs, sandbox URLs). */
  publicUrl: z.string().url().optional(),
  databaseUrl: z.string().min(1).default('./data/ehr-bridge.sqlite'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Serve the partner sandboxes under /sandbox on the engine's own port (the embedded run). */
  sandboxes: boolFromEnv(true),
  workerConcurrency: intFromEnv(4),
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
    concurrency: intFromEnv(8),
    /** Requests per second towards OnCall; 0 = no limit beyond concurrency. */
    requestsPerSecond: intFromEnv(0),
    timeoutMs: intFromEnv(15_000),
    maxRetries: intFromEnv(6),
  }),
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
    logLevel: pick('LOG_LEVEL'),
    sandboxes: pick('EHR_BRIDGE_SANDBOXES'),
    workerConcurrency: pick('EHR_BRIDGE_WORKER_CONCURRENCY'),
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
    }),
  });
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
  const merged = deepMerge(deepMerge(deepMerge({ admin: {}, oncall: {} }, fileValues), fromEnv(env)), overrides);
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
