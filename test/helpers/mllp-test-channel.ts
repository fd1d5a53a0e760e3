import type { ChannelStatus, SyncChannel } from '../../src/flows/sync/channel.js';
import { MllpListener } from '../../src/channels/mllp-listener/listener.js';
import { MessageStore } from '../../src/messages/message-store.js';
import { mllpListenerSettings } from '../../src/messages/settings.js';
import type { AppContext } from '../../src/server/context.js';

/**
 * The engine's real MLLP listener (on a free port) registered as the `mllp` channel of a test
 * server's sync service, for the Sync page's tests until `serve` registers its own. If the
 * engine already has an `mllp` channel, that one is used and only its port is read.
 */
export async function mllpTestChannel(ctx: AppContext): Promise<{ port: number; close(): Promise<void> }> {
  const existing = ctx.sync().channel('mllp');
  if (existing) {
    const port = Number(/port (\d+)/.exec(existing.status().detail)?.[1]);
    if (!Number.isInteger(port)) throw new Error(`the engine's mllp channel does not say its port: ${existing.status().detail}`);
    return { port, close: async () => undefined };
  }
  const listener = new MllpListener(mllpListenerSettings({}, { port: 0, host: '127.0.0.1' }), {
    messages: new MessageStore(ctx.store.db, ctx.store.dialect),
  });
  const { port } = await listener.start();
  let running = true;
  const channel: SyncChannel = {
    name: 'mllp',
    start: async () => undefined,
    stop: async () => {
      running = false;
      await listener.close();
    },
    status(): ChannelStatus {
      const s = listener.stats();
      return {
        name: 'mllp',
        kind: 'HL7 v2 over MLLP',
        state: running ? 'running' : 'stopped',
        detail: `port ${port}`,
        received: s.stored,
        duplicates: s.duplicates,
        rejected: s.rejected + s.oversize,
        errors: s.storeErrors,
        lastMessageAt: s.lastMessageAt,
        lastError: s.storeErrors > 0 ? 'a message could not be stored' : null,
      };
    },
  };
  ctx.sync().addChannel(channel);
  return { port, close: () => channel.stop() };
}
