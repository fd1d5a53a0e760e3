import Fastify from 'fastify';
import type { Command } from 'commander';
import { DEFAULT_ONCALL_SANDBOX_API_KEY } from '../../sandboxes/oncall/plugin.js';
import { getEhrSandboxInfo } from '../../sandboxes/ehr/plugin.js';
import { mountSandboxes } from '../../sandboxes/mount.js';

export function registerSandboxCommand(program: Command): void {
  program
    .command('sandbox')
    .description('run only the partner sandboxes (OnCall Health under /oncall, FHIR EMR under /fhir-emr, EHR receiver under /ehr)')
    .option('--port <port>', 'port to listen on', '8090')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--ehr-mllp-port <port>', 'MLLP port of the EHR receiver (default EHR_BRIDGE_EHR_MLLP_PORT or 2575; 0 = any free port)')
    .action(async (opts: { port: string; host: string; ehrMllpPort?: string }) => {
      const app = Fastify({ logger: false });
      const mllpPort = Number(opts.ehrMllpPort ?? process.env.EHR_BRIDGE_EHR_MLLP_PORT ?? 2575);
      await mountSandboxes(app, '', { ehr: { mllpPort, mllpHost: opts.host } });
      await app.listen({ port: Number(opts.port), host: opts.host });
      const addr = app.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : Number(opts.port);
      const base = `http://${opts.host}:${port}`;
      process.stdout.write(
        [
          'ehr-bridge sandboxes are running',
          `  OnCall Health  ${base}/oncall/   API key: ${process.env.SANDBOX_ONCALL_API_KEY ?? DEFAULT_ONCALL_SANDBOX_API_KEY}`,
          `                 faults: POST ${base}/oncall/_admin/faults   reset: POST ${base}/oncall/_admin/reset`,
          `  FHIR R4 EMR    ${base}/fhir-emr/`,
          `  EHR receiver   MLLP ${getEhrSandboxInfo(app).mllpHost}:${getEhrSandboxInfo(app).mllpPort}   received: GET ${base}/ehr/_admin/received   mode: POST ${base}/ehr/_admin/mode`,
          `                 drop folder ${getEhrSandboxInfo(app).dropDir}   JSON: POST ${base}/ehr/json`,
          '',
        ].join('\n'),
      );
      const stop = async () => {
        await app.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
}
