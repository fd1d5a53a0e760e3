import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from './loopback.js';

describe('isLoopbackHost', () => {
  it.each(['localhost', 'LOCALHOST', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'app.localhost'])('%s is loopback', (h) => {
    expect(isLoopbackHost(h)).toBe(true);
  });
  it.each(['0.0.0.0', '::', '', '10.0.0.5', '192.168.1.2', 'example.org', 'localhost.example.org', '128.0.0.1', '::ffff:10.0.0.1', '::2'])('%s is reachable from the network', (h) => {
    expect(isLoopbackHost(h)).toBe(false);
  });
});
