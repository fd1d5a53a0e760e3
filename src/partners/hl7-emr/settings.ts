import type tls from 'node:tls';

/**
 * Where and as whom the sync writes to an HL7 v2 EMR (issue 9, "Writing to the EMR": an HL7 v2
 * EMR over MLLP). The lead reads these from the environment with `hl7EmrSettings(env)`:
 *
 * | variable                      | meaning                                                      | default |
 * |-------------------------------|--------------------------------------------------------------|---------|
 * | EHR_BRIDGE_EMR_HL7_TO         | `host:port` of the EMR's MLLP listener (`[v6]:port` too)     | the caller's default (the sandbox EHR receiver) |
 * | EHR_BRIDGE_EMR_HL7_APP        | MSH-5 receiving application (also PID-3 MR authority)        | EMR |
 * | EHR_BRIDGE_EMR_HL7_FACILITY   | MSH-6 receiving facility                                     | empty |
 * | EHR_BRIDGE_EMR_HL7_TLS        | on: MLLP over TLS with the system CAs                        | off |
 * | EHR_BRIDGE_EMR_HL7_TIMEOUT_MS | time allowed for the ACK after sending (connect: the same)   | 10000 |
 */
export interface Hl7EmrOptions {
  host: string;
  port: number;
  /** `true` for TLS with the system CAs; an object for client certificates or a private CA. */
  tls?: tls.ConnectionOptions | boolean;
  /** MSH-3 (default EHRBRIDGE). */
  sendingApplication?: string;
  /** MSH-4 (default ONCALL). */
  sendingFacility?: string;
  /** MSH-5 (default EMR); also the namespace of the PID-3 MR identifier. */
  receivingApplication?: string;
  /** MSH-6 (default empty). */
  receivingFacility?: string;
  /** Time allowed for the ACK after the message is written, and for the connection (default 10 s). */
  timeoutMs?: number;
  /** MSH-11: P production (default), T training, D debugging. */
  processingId?: 'P' | 'T' | 'D';
}

export const HL7_EMR_DEFAULTS = {
  sendingApplication: 'EHRBRIDGE',
  sendingFacility: 'ONCALL',
  receivingApplication: 'EMR',
  receivingFacility: '',
  timeoutMs: 10_000,
  processingId: 'P',
} as const satisfies Partial<Hl7EmrOptions>;

export const HL7_EMR_ENV = {
  to: 'EHR_BRIDGE_EMR_HL7_TO',
  app: 'EHR_BRIDGE_EMR_HL7_APP',
  facility: 'EHR_BRIDGE_EMR_HL7_FACILITY',
  tls: 'EHR_BRIDGE_EMR_HL7_TLS',
  timeoutMs: 'EHR_BRIDGE_EMR_HL7_TIMEOUT_MS',
} as const;

export class Hl7EmrSettingsError extends Error {
  override name = 'Hl7EmrSettingsError';
}

/**
 * Read the HL7 EMR settings. `defaultTo` is where to send when EHR_BRIDGE_EMR_HL7_TO is unset
 * (the lead passes the sandbox EHR receiver's MLLP address); without either it throws. Every
 * problem is listed at once, each line naming its variable.
 */
export function hl7EmrSettings(env: NodeJS.ProcessEnv = process.env, defaultTo?: { host: string; port: number }): Hl7EmrOptions {
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };

  let target = defaultTo;
  const to = value(HL7_EMR_ENV.to);
  if (to !== undefined) {
    const parsed = parseHostPort(to);
    if (parsed) target = parsed;
    else problems.push(`${HL7_EMR_ENV.to}: expected host:port, e.g. 127.0.0.1:2575 ([::1]:2575 for IPv6), port 1-65535`);
  } else if (!target) {
    problems.push(`${HL7_EMR_ENV.to}: not set (host:port of the HL7 EMR's MLLP listener)`);
  }

  const hd = (name: string): string | undefined => {
    const v = value(name);
    // An HD namespace id (IS, 20 characters in v2.5.1) with no HL7 delimiters in it.
    if (v !== undefined && !/^[A-Za-z0-9 ._-]{1,20}$/.test(v)) {
      problems.push(`${name}: 1-20 letters, digits, space, dot, dash or underscore`);
      return undefined;
    }
    return v;
  };
  const app = hd(HL7_EMR_ENV.app);
  const facility = hd(HL7_EMR_ENV.facility);

  let useTls = false;
  const tlsValue = value(HL7_EMR_ENV.tls)?.toLowerCase();
  if (tlsValue !== undefined) {
    if (['1', 'true', 'yes', 'on'].includes(tlsValue)) useTls = true;
    else if (!['0', 'false', 'no', 'off'].includes(tlsValue)) problems.push(`${HL7_EMR_ENV.tls}: on or off`);
  }

  let timeoutMs: number = HL7_EMR_DEFAULTS.timeoutMs;
  const timeout = value(HL7_EMR_ENV.timeoutMs);
  if (timeout !== undefined) {
    const n = Number(timeout);
    if (/^\d+$/.test(timeout) && n >= 100 && n <= 600_000) timeoutMs = n;
    else problems.push(`${HL7_EMR_ENV.timeoutMs}: a whole number of milliseconds from 100 to 600000`);
  }

  if (problems.length > 0 || !target) {
    throw new Hl7EmrSettingsError(`invalid HL7 EMR configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  const opts: Hl7EmrOptions = { host: target.host, port: target.port, timeoutMs };
  if (useTls) opts.tls = true;
  if (app !== undefined) opts.receivingApplication = app;
  if (facility !== undefined) opts.receivingFacility = facility;
  return opts;
}

/** `host:port` or `[v6]:port`, port 1-65535; undefined when not that shape. */
export function parseHostPort(text: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(text.trim());
  const port = Number(m?.[3]);
  const host = m?.[1] ?? m?.[2];
  if (!m || !host || !Number.isInteger(port) || port < 1 || port > 65_535) return undefined;
  return { host, port };
}
