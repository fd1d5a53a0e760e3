import type { Command } from 'commander';
import { stopOnSignal } from '../stop-on-signal.js';
import type { AdminLogin } from '../../http/auth/admin-account.js';
import { parsePort } from '../port-option.js';

/**
 * The admin login as the banner shows it: the password itself only on the start that generated
 * it (it is in the file afterwards, readable by the account that runs the engine); never one that
 * came from the environment.
 */
function loginLine(admin: AdminLogin): string {
  if (admin.source === 'generated') {
    return admin.passwordFile
      ? `${admin.user} / ${admin.password}   (kept in ${admin.passwordFile})`
      : `${admin.user} / ${admin.password}   (shown once, not saved: ${admin.passwordNotKept}; set EHR_BRIDGE_ADMIN_PASSWORD to choose one)`;
  }
  if (admin.source === 'environment') return `${admin.user} / (from EHR_BRIDGE_ADMIN_PASSWORD)`;
  return admin.passwordFile ? `${admin.user} / (password in ${admin.passwordFile})` : `${admin.user} / (unchanged since it was set; EHR_BRIDGE_ADMIN_PASSWORD replaces it)`;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('run the engine: API, web UI, queue worker and (in the embedded demo) the partner sandboxes')
    .option('--port <port>', 'port to listen on (default PORT or 8080; 0 = any free port)', parsePort)
    .option('--ehr-mllp-port <port>', 'MLLP port of the sandbox EHR receiver (default EHR_BRIDGE_EHR_MLLP_PORT or 2575; 0 = any free port)', parsePort)
    .option('--mllp-port <port>', 'inbound HL7 v2 (ADT, SIU) MLLP port of the sync (default EHR_BRIDGE_MLLP_PORT or 2576; 0 = any free port)', parsePort)
    .action(async (opts: { port?: number; ehrMllpPort?: number; mllpPort?: number }) => {
      // Loaded here, not at the top: `ehr-bridge --help` must not load the server.
      const [{ startServer }, { fhirApiLine, oncallTargetLine, sandboxBannerLines }] = await Promise.all([
        import('../../server/start.js'),
        import('../../sandboxes/banner.js'),
      ]);
      const server = await startServer(
        {
          ...(opts.port !== undefined ? { port: opts.port } : {}),
          ...(opts.ehrMllpPort !== undefined ? { ehr: { sandboxMllpPort: opts.ehrMllpPort } } : {}),
        },
        process.env,
        // The listener always opens with `serve`: port from the option, else EHR_BRIDGE_MLLP_PORT, else 2576.
        { mllp: opts.mllpPort !== undefined ? { port: opts.mllpPort } : {}, fhirFeed: true, back: true },
      );
      const { ctx, admin, url } = server;
      const lines = [
        `ehr-bridge is running`,
        `  web UI        ${url}/`,
        `  API docs      ${url}/docs`,
        `  database      ${ctx.store.dialect === 'sqlite' ? ctx.config.databaseUrl : 'PostgreSQL'} (queue: ${ctx.queue.kind})`,
        `  login         ${loginLine(admin)}`,
      ];
      lines.push(...sandboxBannerLines(server));
      lines.push(fhirApiLine(server));
      lines.push(oncallTargetLine(server));
      // The feed polls a FHIR base: printed with its slash, the address a browser can open.
      if (server.sync.fhir) lines.push(`  FHIR feed     ${server.sync.fhir.status().detail.replace(/^(https?:\/\/\S*?[^/\s])(?=\s)/, '$1/')}`);
      const mllp = server.sync.mllp;
      if (mllp) {
        lines.push(`  HL7 inbound   MLLP ${mllp.host()}:${mllp.port()}${mllp.settings.tls ? ' (TLS)' : ''}   ADT and SIU ${server.sync.processor ? 'sync into OnCall Health' : 'are stored only (EHR_BRIDGE_SYNC=off)'}; messages: ${url}/sync`);
      }
      if (server.sync.hook) {
        const writer = server.sync.emrWriter;
        // An address in the label is printed with its slash: the page a browser can open.
        const to = writer ? `written to the ${writer.label.replace(/(https?:\/\/\S*?[^/\s])(?=\s|$)/, '$1/')}` : 'stored only (EHR_BRIDGE_EMR_WRITE=off)';
        lines.push(`  OnCall back   webhooks to POST ${url}${server.sync.hook.path}; scans ${server.sync.scan?.status().detail ?? 'off'}; ${to}`);
      }
      process.stdout.write(`${lines.join('\n')}\n`);
      stopOnSignal(() => server.close());
    });
}
