import { z } from 'zod';

/**
 * Which EMR the platforms' changes go back to (issue 9, "Writing to the EMR, per configuration"):
 *
 * | variable              | default |
 * |-----------------------|---------|
 * | EHR_BRIDGE_EMR_WRITE  | fhir: the FHIR R4 EMR (EHR_BRIDGE_EMR_FHIR_URL, else the sandbox FHIR EMR); hl7: ADT/SIU over MLLP to EHR_BRIDGE_EMR_HL7_TO (else the EHR receiver sandbox); off: platform changes are stored and shown, nothing is written |
 *
 * The channels that bring the changes (webhook receiver, scans) have their own settings next to
 * them (src/channels/oncall-hook/, src/channels/oncall-scan/).
 */
export const EMR_WRITE_KINDS = ['fhir', 'hl7', 'off'] as const;
export type EmrWriteKind = (typeof EMR_WRITE_KINDS)[number];

const schema = z.object({
  write: z.string().trim().toLowerCase().pipe(z.enum(EMR_WRITE_KINDS)).default('fhir'),
});

export class BackSettingsError extends Error {
  override name = 'BackSettingsError';
}

export interface BackSettings {
  write: EmrWriteKind;
}

export function backSettings(env: NodeJS.ProcessEnv = process.env): BackSettings {
  const v = env.EHR_BRIDGE_EMR_WRITE;
  const r = schema.safeParse({ ...(v ? { write: v } : {}) });
  if (r.success) return r.data;
  throw new BackSettingsError(`invalid configuration:\n  EHR_BRIDGE_EMR_WRITE: use one of ${EMR_WRITE_KINDS.join(', ')}`);
}
