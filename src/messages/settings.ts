import { z } from 'zod';

/**
 * Settings of the message store and the inbound MLLP listener, from the environment. They live
 * here until the one configuration (src/config/config.ts) takes them over; the names are final.
 *
 * | variable                                      | default     |
 * |-----------------------------------------------|-------------|
 * | EHR_BRIDGE_MLLP_PORT                          | 2576 (0 = any free port) |
 * | EHR_BRIDGE_MLLP_HOST                          | 127.0.0.1   |
 * | EHR_BRIDGE_MLLP_MAX_FRAME_BYTES               | 1048576     |
 * | EHR_BRIDGE_MLLP_MAX_CONNECTIONS               | 200         |
 * | EHR_BRIDGE_MLLP_IDLE_TIMEOUT_SECONDS          | 300         |
 * | EHR_BRIDGE_MLLP_CHARSET                       | UTF-8 (or ISO-8859-1), when MSH-18 says nothing |
 * | EHR_BRIDGE_MLLP_EMR_ID_TYPE                   | MR (PID-3.5 of the EMR id) |
 * | EHR_BRIDGE_MLLP_TLS_CERT, _KEY, _CA           | unset (plain TCP); _CA asks senders for a certificate |
 * | EHR_BRIDGE_MESSAGES_RETENTION_DAYS            | 30 (processed and ignored messages) |
 * | EHR_BRIDGE_MESSAGES_FAILED_RETENTION_DAYS     | 90 (failed and rejected messages) |
 */
const int = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max).default(def);

export const mllpListenerSettingsSchema = z.object({
  port: int(2576, 0, 65535),
  host: z.string().min(1).default('127.0.0.1'),
  maxFrameBytes: int(1024 * 1024, 1024),
  maxConnections: int(200, 1, 100_000),
  idleTimeoutSeconds: int(300, 1),
  charset: z.enum(['UTF-8', 'ISO-8859-1']).default('UTF-8'),
  emrIdType: z.string().trim().min(1).default('MR'),
  tls: z
    .object({ certFile: z.string().min(1), keyFile: z.string().min(1), caFile: z.string().min(1).optional() })
    .optional(),
});
export type MllpListenerSettings = z.infer<typeof mllpListenerSettingsSchema>;

export const messageRetentionSchema = z.object({
  processedDays: int(30, 1, 3650),
  failedDays: int(90, 1, 3650),
});
export type MessageRetention = z.infer<typeof messageRetentionSchema>;

export class MessageSettingsError extends Error {
  override name = 'MessageSettingsError';
}

function pick(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

function parse<T extends z.ZodType>(schema: T, value: unknown, names: Record<string, string>): z.infer<T> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `  ${names[String(i.path[0])] ?? i.path.join('.')}: ${i.message}`);
  throw new MessageSettingsError(`invalid configuration:\n${lines.join('\n')}`);
}

const LISTENER_ENV: Record<string, string> = {
  port: 'EHR_BRIDGE_MLLP_PORT',
  host: 'EHR_BRIDGE_MLLP_HOST',
  maxFrameBytes: 'EHR_BRIDGE_MLLP_MAX_FRAME_BYTES',
  maxConnections: 'EHR_BRIDGE_MLLP_MAX_CONNECTIONS',
  idleTimeoutSeconds: 'EHR_BRIDGE_MLLP_IDLE_TIMEOUT_SECONDS',
  charset: 'EHR_BRIDGE_MLLP_CHARSET',
  emrIdType: 'EHR_BRIDGE_MLLP_EMR_ID_TYPE',
  tls: 'EHR_BRIDGE_MLLP_TLS_CERT / EHR_BRIDGE_MLLP_TLS_KEY',
};

/** The listener's settings: environment, then `overrides` (e.g. `--mllp-port`) win. */
export function mllpListenerSettings(env: NodeJS.ProcessEnv = process.env, overrides: Partial<MllpListenerSettings> = {}): MllpListenerSettings {
  const cert = pick(env, 'EHR_BRIDGE_MLLP_TLS_CERT');
  const key = pick(env, 'EHR_BRIDGE_MLLP_TLS_KEY');
  const ca = pick(env, 'EHR_BRIDGE_MLLP_TLS_CA');
  const fromEnv: Record<string, unknown> = {};
  for (const [k, name] of Object.entries(LISTENER_ENV)) {
    if (k === 'tls') continue;
    const v = pick(env, name);
    if (v !== undefined) fromEnv[k] = k === 'charset' ? v.toUpperCase() : v;
  }
  if (cert !== undefined || key !== undefined || ca !== undefined) fromEnv.tls = { certFile: cert, keyFile: key, caFile: ca };
  return parse(mllpListenerSettingsSchema, { ...fromEnv, ...stripUndefined(overrides) }, LISTENER_ENV);
}

export function messageRetention(env: NodeJS.ProcessEnv = process.env): MessageRetention {
  return parse(
    messageRetentionSchema,
    stripUndefined({ processedDays: pick(env, 'EHR_BRIDGE_MESSAGES_RETENTION_DAYS'), failedDays: pick(env, 'EHR_BRIDGE_MESSAGES_FAILED_RETENTION_DAYS') }),
    { processedDays: 'EHR_BRIDGE_MESSAGES_RETENTION_DAYS', failedDays: 'EHR_BRIDGE_MESSAGES_FAILED_RETENTION_DAYS' },
  );
}

function stripUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
