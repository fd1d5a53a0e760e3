import { InvalidArgumentError } from 'commander';

/**
 * A port given on the command line (`--port`, `--ehr-mllp-port`) or in EHR_BRIDGE_EHR_MLLP_PORT:
 * a whole number from 0 (any free port) to 65535, refused in words otherwise.
 */
export function parsePort(value: string): number {
  const n = /^\d{1,5}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isInteger(n) || n > 65_535) throw new InvalidArgumentError('a port is a whole number from 0 to 65535 (0: any free port).');
  return n;
}

/** The same check for a port from the environment: the variable is named in the error. */
export function portFromEnv(name: string, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const v = env[name];
  if (v === undefined || v.trim() === '') return undefined;
  try {
    return parsePort(v);
  } catch (e) {
    throw new Error(`${name}="${v}": ${(e as Error).message}`, { cause: e });
  }
}
