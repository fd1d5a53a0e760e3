import Fastify from 'fastify';
import type { Command } from 'commander';
import { DEFAULT_ONCALL_SANDBOX_API_KEY } from '../../sandboxes/oncall/plugin.js';
import { mountSandboxes } from '../../sandboxes/mount.js';

export function registerSandboxCommand(program: Command): void {
  program
    .command('sandbox')
    .description('run only the partner sandboxes (OnCall Health under /oncall, FHIR EMR under /fhir-emr)')
    .option('--port <port>', 'port to listen on', '8090')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .action(async (opts: { port: string; host: string }) => {
      const app = Fastify({ logger: false });
      await mountSandboxes(app, '');
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
