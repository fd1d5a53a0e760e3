import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, ensureCompiledCli } from '../helpers/processes.js';

/**
 * Issue 7, item 1: the CLI starts fast. It runs the compiled build when it is current (else
 * the sources, always current), and `--help` loads none of the engine's heavy packages. How
 * fast is measured in bench/cli-startup.bench.ts, not here.
 */
const HEAVY = ['fastify', 'kysely', 'better-sqlite3', '@medplum', 'pg', 'graphile-worker', 'pino', 'undici', 'zod', 'csv-parse', 'tsx'];

function node(args: string[], env: Record<string, string | undefined> = {}, cwd = REPO_ROOT) {
  const r = spawnSync(process.execPath, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('ehr-bridge starts without loading the engine', () => {
  let dir: string;
  beforeAll(() => {
    ensureCompiledCli();
    dir = mkdtempSync(join(tmpdir(), 'ehrb-startup-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the compiled CLI with a loader hook that lists every module it loads. */
  function modulesLoadedBy(args: string[]) {
    const list = join(dir, `modules-${args.join('-')}.txt`);
    writeFileSync(list, '');
    const r = node(['--import', join(REPO_ROOT, 'test/cli/fixtures/record-modules.mjs'), join(REPO_ROOT, 'dist/server/src/cli/main.js'), ...args], { RECORD_MODULES_TO: list });
    const modules = readFileSync(list, 'utf8').split('\n').filter(Boolean);
    const packages = new Set(modules.map((u) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u)?.[1]).filter((p): p is string => Boolean(p)));
    return { ...r, modules, packages };
  }

  it.each([[['--help']], [['import', '--help']], [['serve', '--help']], [['api-keys', 'create', '--help']], [['clients', '--help']]])('%j loads commander and the command definitions only', (args) => {
    const r = modulesLoadedBy(args);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: ehr-bridge/);
    expect(r.modules.some((m) => m.endsWith('/dist/server/src/cli/main.js'))).toBe(true);
    expect([...r.packages]).toEqual(['commander']);
    for (const heavy of HEAVY) expect(r.modules.filter((m) => m.includes(`/node_modules/${heavy}`))).toEqual([]);
    // Nothing of the engine itself either: no store, server, partner client or import flow.
    expect(r.modules.filter((m) => /\/src\/(store|server|http\/(?!oauth\/scopes)|partners|flows|queue)\//.test(m))).toEqual([]);
  });

  it('import --help says what happens to records already in OnCall, the exit codes and the choices', () => {
    const r = node([join(REPO_ROOT, 'bin/ehr-bridge.js'), 'import', '--help']);
    expect(r.code).toBe(0);
    const help = r.stdout.replace(/\s+/g, ' ');
    expect(help).toContain('--update update the changed fields of records already in OnCall (default: leave them as they are)');
    expect(help).toContain('by default they are left as they are');
    expect(help).toContain('Exit code: 0 every row was imported or already there, 2 some rows were left out');
    expect(help).toContain('(choices: "contacts", "appointments", default: "contacts")');
    expect(help).toContain('--json print the final summary as one JSON object on stdout');
  });

  it('a wrong --type or --resource is refused at once, with the allowed values and exit 1', () => {
    const r = node([join(REPO_ROOT, 'bin/ehr-bridge.js'), 'import', 'x.csv', '--type', 'patients']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: option '--type <type>' argument 'patients' is invalid. Allowed choices are contacts, appointments.`);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    const res = node([join(REPO_ROOT, 'bin/ehr-bridge.js'), 'import', '--from', 'http://127.0.0.1:1/fhir', '--resource', 'Observation']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('Allowed choices are Patient, Appointment.');
  });

  it('a port that is not one is refused before anything starts, naming the option or the variable', () => {
    const bin = join(REPO_ROOT, 'bin/ehr-bridge.js');
    const serve = node([bin, 'serve', '--port', 'abc']);
    expect(serve.code).toBe(1);
    expect(serve.stderr).toContain(`error: option '--port <port>' argument 'abc' is invalid. a port is a whole number from 0 to 65535 (0: any free port).`);
    const mllp = node([bin, 'sandbox', '--port', '0', '--ehr-mllp-port', '70000']);
    expect(mllp.code).toBe(1);
    expect(mllp.stderr).toContain(`option '--ehr-mllp-port <port>' argument '70000' is invalid`);
    const env = node([bin, 'sandbox', '--port', '0'], { EHR_BRIDGE_EHR_MLLP_PORT: '25x' });
    expect(env.code).toBe(1);
    expect(env.stderr.trim()).toBe('ehr-bridge: EHR_BRIDGE_EHR_MLLP_PORT="25x": a port is a whole number from 0 to 65535 (0: any free port).');
  });

  describe('bin/ehr-bridge.js picks the compiled CLI only when it is current', () => {
    // A copy of bin/ beside a stand-in source tree and build, each printing which one ran.
    let root: string;
    beforeAll(() => {
      root = join(dir, 'repo');
      mkdirSync(join(root, 'src/cli'), { recursive: true });
      mkdirSync(join(root, 'dist/server/src/cli'), { recursive: true });
      cpSync(join(REPO_ROOT, 'bin'), join(root, 'bin'), { recursive: true });
      symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
      writeFileSync(join(root, 'package.json'), '{"type": "module"}');
      writeFileSync(join(root, 'src/cli/main.ts'), "const from: string = 'sources';\nconsole.log(`ran the ${from}`);\n");
      writeFileSync(join(root, 'src/cli/helper.ts'), 'export {};\n');
      writeFileSync(join(root, 'dist/server/src/cli/main.js'), "console.log('ran the build');\n");
    });
    const run = (env: Record<string, string> = {}) => node([join(root, 'bin/ehr-bridge.js')], env, root).stdout.trim();
    const setTime = (file: string, seconds: number) => utimesSync(join(root, file), seconds, seconds);

    it('runs the sources when there is no build stamp (never built, or a build that failed)', () => {
      expect(run()).toBe('ran the sources');
    });

    it('runs the build when it is newer than every source, and the sources again once one is edited', () => {
      writeFileSync(join(root, 'dist/server/.build-stamp'), 'built\n');
      setTime('src/cli/main.ts', 1_000_000);
      setTime('src/cli/helper.ts', 1_000_000);
      setTime('dist/server/.build-stamp', 2_000_000);
      expect(run()).toBe('ran the build');
      expect(run({ EHR_BRIDGE_RUN_SOURCES: '1' })).toBe('ran the sources');
      setTime('src/cli/helper.ts', 3_000_000);
      expect(run()).toBe('ran the sources');
    });

    it('ignores the web UI and the tests, which are not part of the server build', () => {
      mkdirSync(join(root, 'src/web'), { recursive: true });
      writeFileSync(join(root, 'src/web/page.ts'), 'export {};\n');
      writeFileSync(join(root, 'src/cli/main.test.ts'), 'export {};\n');
      setTime('src/cli/helper.ts', 1_000_000);
      setTime('src/web/page.ts', 4_000_000);
      setTime('src/cli/main.test.ts', 4_000_000);
      expect(run()).toBe('ran the build');
    });
  });
});
