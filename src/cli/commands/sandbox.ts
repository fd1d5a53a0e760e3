import type { Command } from 'commander';
import { parsePort, portFromEnv } from '../port-option.js';
import { stopOnSignal } from '../stop-on-signal.js';
import { registerEmrFeedCommand } from './sandbox-emr-feed.js';

export function registerSandboxCommand(program: Command): void {
  const sandbox = program
    .command('sandbox')
    .description('run only the partner sandboxes (OnCall Health under /oncall, FHIR EMR under /fhir-emr, EHR receiver under /ehr)')
    .option('--port <port>', 'port to listen on (0 = any free port)', parsePort, 8090)
    .option('--host <host>', 'address to listen on (a non-loopback address puts /_admin behind SANDBOX_ADMIN_TOKEN)', '127.0.0.1')
    .option('--ehr-mllp-port <port>', 'MLLP port of the EHR receiver (default EHR_BRIDGE_EHR_MLLP_PORT or 2575; 0 = any free port)', parsePort)
    .action(async (opts: { port: number; host: string; ehrMllpPort?: number }) => {
      // Loaded here, not at the top: `ehr-bridge --help` must not load fastify.
      const [{ getEhrSandboxInfo }, { buildStandaloneSandboxes }] = await Promise.all([
        import('../../sandboxes/ehr/plugin.js'),
        import('../../sandboxes/standalone.js'),
      ]);
      const mllpPort = opts.ehrMllpPort ?? portFromEnv('EHR_BRIDGE_EHR_MLLP_PORT') ?? 2575;
      const sandboxes = await buildStandaloneSandboxes({ host: opts.host, mllpPort });
      const { app } = sandboxes;
      await app.listen({ port: opts.port, host: opts.host });
      const addr = app.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : opts.port;
      const base = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
      const ehr = getEhrSandboxInfo(app);
      const lines = [
        'ehr-bridge sandboxes are running',
        `  OnCall Health  ${base}/oncall/   API key: ${sandboxes.oncallApiKey}`,
        `                 faults: POST ${base}/oncall/_admin/faults   reset: POST ${base}/oncall/_admin/reset`,
        `  FHIR R4 EMR    ${base}/fhir-emr/`,
        `  EHR receiver   MLLP ${ehr.mllpHost}:${ehr.mllpPort}   received: GET ${base}/ehr/_admin/received   mode: POST ${base}/ehr/_admin/mode`,
        `                 drop folder ${ehr.dropDir}   JSON: POST ${base}/ehr/json`,
      ];
      if (sandboxes.adminToken) {
        lines.push(
          sandboxes.adminTokenGenerated
            ? `  admin token    ${sandboxes.adminToken}   (generated; /_admin routes need Authorization: Bearer <token>; set SANDBOX_ADMIN_TOKEN to choose it)`
            : '  admin token    from SANDBOX_ADMIN_TOKEN   (/_admin routes need Authorization: Bearer <token>)',
        );
      }
      process.stdout.write(`${lines.join('\n')}\n\n`);
      stopOnSignal(() => app.close());
    });
  registerEmrFeedCommand(sandbox);
}
