import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freshCompiledMain } from '../../bin/compiled.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = `${REPO_ROOT}bin/ehr-bridge.js`;

/**
 * Once per test process: builds dist/server when a source changed since the last build, so the
 * CLI processes the tests start run the current code, compiled (bin/ehr-bridge.js takes the
 * build only when it is current, else the sources through tsx). `npm test` builds it before
 * (pretest); this covers `npx vitest run <file>` after an edit.
 */
let buildChecked = false;
export function ensureCompiledCli(): void {
  if (buildChecked) return;
  buildChecked = true;
  if (freshCompiledMain(REPO_ROOT)) return;
  const r = spawnSync(process.execPath, [`${REPO_ROOT}bin/build-server.js`], { cwd: REPO_ROOT, encoding: 'utf8' });
  // A failed build leaves the stamp as it was: the CLI then runs the sources and shows the error.
  if (r.status !== 0) process.stderr.write(`build:server failed; the CLI runs from the sources\n${r.stderr}`);
}

/** A CLI child process whose output is collected, with a way to wait for a line. */
export interface Spawned {
  child: ChildProcess;
  /** stdout and stderr as they arrived, interleaved. */
  output(): string;
  stdout(): string;
  stderr(): string;
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited(): Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
}

export function spawnCli(args: string[], env: Record<string, string | undefined> = {}): Spawned {
  ensureCompiledCli();
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let stdout = '';
  let stderr = '';
  // Decoded as UTF-8 across chunks: the CLI prints "→" and "—".
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    stdout += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    stderr += d;
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    stdout: () => stdout,
    stderr: () => stderr,
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
