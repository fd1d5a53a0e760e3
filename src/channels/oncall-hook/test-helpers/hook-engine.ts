/**
 * Test helper (not a test): an engine process with the OnCall webhook receiver and processing
 * off, for the kill -9 test (kill.test.ts). Database from EHR_BRIDGE_DATABASE_URL; prints
 * `HOOK-ENGINE <engine url>` once it takes deliveries.
 */
import { startServer } from '../../../server/start.js';
import { createOncallHookChannel, ONCALL_HOOK_CHANNEL, OncallHookChannel } from '../index.js';

const env: NodeJS.ProcessEnv = { ...process.env, EHR_BRIDGE_SYNC: 'off' };
const server = await startServer(
  { port: 0, host: '127.0.0.1', databaseUrl: env.EHR_BRIDGE_DATABASE_URL, logLevel: 'silent', admin: { password: 'correct horse battery' }, ehr: { sandboxMllpPort: 0 } },
  env,
  {},
);
const sync = server.ctx.sync();
if (!(sync.channel(ONCALL_HOOK_CHANNEL) instanceof OncallHookChannel)) {
  const ch = createOncallHookChannel(server.ctx, { env });
  sync.addChannel(ch);
  await ch.start();
}
process.stdout.write(`HOOK-ENGINE ${server.ctx.engineUrl}\n`);
