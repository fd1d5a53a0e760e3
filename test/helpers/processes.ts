import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = `${REPO_ROOT}bin/ehr-bridge.js`;

/** A CLI child process whose output is collected, with a way to wait for a line. */
export interface Spawned {
  child: ChildProcess;
  output(): string;
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited(): Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
}

export function spawnCli(args: string[], env: Record<string, string | undefined> = {}): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    async waitFor(re, timeoutMs = 30_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const m = out.match(re);
        if (m) return m;
        if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) before printing ${re}:\n${out}`);
        if (Date.now() > end) throw new Error(`timed out waiting for ${re}:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    exited: () => exit,
    kill: (signal = 'SIGTERM') => void child.kill(signal),
  };
}

/** Starts `ehr-bridge sandbox` on a free port; returns its base URL. */
export async function startSandboxProcess(): Promise<{ proc: Spawned; base: string }> {
  const proc = spawnCli(['sandbox', '--port', '0', '--ehr-mllp-port', '0']);
  const m = await proc.waitFor(/OnCall Health\s+(http:\/\/127\.0\.0\.1:\d+)\/oncall\//);
  return { proc, base: m[1]! };
}
