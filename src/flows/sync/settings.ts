import { z } from 'zod';

/**
 * What the EMR-to-platform sync does (issue 8, "configuration decides which record types flow and
 * to which division/provider, and maps EMR appointment types to OnCall type"). From the
 * environment, like the listener's settings (src/messages/settings.ts):
 *
 * | variable                                   | default |
 * |--------------------------------------------|---------|
 * | EHR_BRIDGE_SYNC                            | on (off: messages are stored, nothing is applied) |
 * | EHR_BRIDGE_SYNC_CONTACTS                   | on (off: clinics that only use participants) |
 * | EHR_BRIDGE_SYNC_APPOINTMENTS               | on |
 * | EHR_BRIDGE_SYNC_DIVISION                   | the first division OnCall lists (id or URL) |
 * | EHR_BRIDGE_SYNC_PROVIDER                   | the first provider OnCall lists (id or URL) |
 * | EHR_BRIDGE_SYNC_DIVISION_BY_LOCATION       | {} JSON: EMR location (PV1-3/AIL-3 point of care or facility) -> division |
 * | EHR_BRIDGE_SYNC_TYPE_BY_CODE               | {} JSON: EMR appointment type code -> online, inperson, phone or message |
 * | EHR_BRIDGE_SYNC_PARTICIPANT_EMAIL_FALLBACK | provider (or an address, or none) |
 * | EHR_BRIDGE_SYNC_TIME_ZONE                  | UTC: zone of HL7 times written without an offset |
 * | EHR_BRIDGE_SYNC_CONCURRENCY                | 32 patients applied at once per process |
 * | EHR_BRIDGE_SYNC_MAX_ATTEMPTS               | 10 tries of a message on temporary failures |
 */
const onOff = (def: boolean) =>
  z
    .union([z.boolean(), z.string().trim().toLowerCase().pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off']))])
    .default(def)
    .transform((v) => (typeof v === 'boolean' ? v : ['true', '1', 'yes', 'on'].includes(v)));

const jsonRecord = <T extends z.ZodType>(value: T) =>
  z.preprocess((v) => {
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return v;
    }
  }, z.record(z.string(), value).default({}));

export const syncSettingsSchema = z.object({
  enabled: onOff(true),
  contacts: onOff(true),
  appointments: onOff(true),
  division: z.string().trim().min(1).optional(),
  provider: z.string().trim().min(1).optional(),
  divisionByLocation: jsonRecord(z.string().min(1)),
  typeByCode: jsonRecord(z.enum(['online', 'inperson', 'phone', 'message'])),
  participantEmailFallback: z.union([z.literal('provider'), z.literal('none'), z.string().email()]).default('provider'),
  timeZone: z.string().min(1).default('UTC'),
  concurrency: z.coerce.number().int().min(1).max(256).default(32),
  maxAttempts: z.coerce.number().int().min(1).max(1000).default(10),
});
export type SyncSettings = z.infer<typeof syncSettingsSchema>;

const ENV: Record<keyof SyncSettings, string> = {
  enabled: 'EHR_BRIDGE_SYNC',
  contacts: 'EHR_BRIDGE_SYNC_CONTACTS',
  appointments: 'EHR_BRIDGE_SYNC_APPOINTMENTS',
  division: 'EHR_BRIDGE_SYNC_DIVISION',
  provider: 'EHR_BRIDGE_SYNC_PROVIDER',
  divisionByLocation: 'EHR_BRIDGE_SYNC_DIVISION_BY_LOCATION',
  typeByCode: 'EHR_BRIDGE_SYNC_TYPE_BY_CODE',
  participantEmailFallback: 'EHR_BRIDGE_SYNC_PARTICIPANT_EMAIL_FALLBACK',
  timeZone: 'EHR_BRIDGE_SYNC_TIME_ZONE',
  concurrency: 'EHR_BRIDGE_SYNC_CONCURRENCY',
  maxAttempts: 'EHR_BRIDGE_SYNC_MAX_ATTEMPTS',
};

export class SyncSettingsError extends Error {
  override name = 'SyncSettingsError';
}

export function syncSettings(env: NodeJS.ProcessEnv = process.env, overrides: Partial<SyncSettings> = {}): SyncSettings {
  const raw: Record<string, unknown> = {};
  for (const [k, name] of Object.entries(ENV)) {
    const v = env[name];
    if (v !== undefined && v !== '') raw[k] = v;
  }
  const r = syncSettingsSchema.safeParse({ ...raw, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) });
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => `  ${ENV[String(i.path[0]) as keyof SyncSettings] ?? i.path.join('.')}: ${i.message}`);
  throw new SyncSettingsError(`invalid configuration:\n${lines.join('\n')}`);
}
