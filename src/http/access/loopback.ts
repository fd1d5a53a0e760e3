import { isIP } from 'node:net';

/**
 * "The engine listens on loopback only": its configured `host` is `localhost` or a loopback
 * address (127.0.0.0/8, ::1, ::ffff:127.x). Wildcards (`0.0.0.0`, `::`) and every other name
 * or address are reachable from the network.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) {
    if (h === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(h) || h === '0:0:0:0:0:0:0:1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    return Boolean(mapped?.[1]?.startsWith('127.'));
  }
  return false;
}
