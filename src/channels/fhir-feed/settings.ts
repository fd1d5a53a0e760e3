import { z } from 'zod';

/**
 * Settings of the FHIR R4 change feed (issue 8, source 2), from the environment. The server it
 * reads is the configured EMR (EHR_BRIDGE_EMR_FHIR_URL + EHR_BRIDGE_EMR_FHIR_TOKEN), else the
 * sandbox FHIR EMR on the engine's own port while the sandboxes are served (see index.ts).
 *
 * | variable                                  | default |
 * |-------------------------------------------|---------|
 * | EHR_BRIDGE_FHIR_FEED                      | on (off: no feed, no hook) |
 * | EHR_BRIDGE_FHIR_FEED_INTERVAL_SECONDS     | 5 (seconds between two polls) |
 * | EHR_BRIDGE_FHIR_FEED_OVERLAP_SECONDS      | 60 (each poll reads again this far before its cursor) |
 * | EHR_BRIDGE_FHIR_FEED_SINCE                | unset: a first start reads changes from now on (no backfill; bulk import does that) |
 * | EHR_BRIDGE_FHIR_FEED_SUBSCRIBE            | on: create rest-hook Subscriptions when the engine's public URL is known |
 */
const onOff = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['on', 'off', 'true', 'false', '1', '0']))
  .transform((v) => v === 'on' || v === 'true' || v === '1');

export const fhirFeedSettingsSchema = z.object({
  enabled: onOff.default(true),
  intervalSeconds: z.coerce.number().min(0.05).max(86_400).default(5),
  overlapSeconds: z.coerce.number().min(0).max(86_400).default(60),
  since: z.iso.datetime({ offset: true }).optional(),
  subscribe: onOff.default(true),
});
export type FhirFeedSettings = z.infer<typeof fhirFeedSettingsSchema>;

const ENV: Record<keyof FhirFeedSettings, string> = {
  enabled: 'EHR_BRIDGE_FHIR_FEED',
  intervalSeconds: 'EHR_BRIDGE_FHIR_FEED_INTERVAL_SECONDS',
  overlapSeconds: 'EHR_BRIDGE_FHIR_FEED_OVERLAP_SECONDS',
  since: 'EHR_BRIDGE_FHIR_FEED_SINCE',
  subscribe: 'EHR_BRIDGE_FHIR_FEED_SUBSCRIBE',
};

export class FhirFeedSettingsError extends Error {
  override name = 'FhirFeedSettingsError';
}

/** The feed's settings: environment, then `overrides` (tests) win. */
export function fhirFeedSettings(env: NodeJS.ProcessEnv = process.env, overrides: Partial<FhirFeedSettings> = {}): FhirFeedSettings {
  const fromEnv: Record<string, unknown> = {};
  for (const [k, name] of Object.entries(ENV)) {
    const v = env[name];
    if (v !== undefined && v !== '') fromEnv[k] = v;
  }
  const r = fhirFeedSettingsSchema.safeParse(fromEnv);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${ENV[String(i.path[0]) as keyof FhirFeedSettings] ?? i.path.join('.')}: ${i.message}`);
    throw new FhirFeedSettingsError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return { ...r.data, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
}
