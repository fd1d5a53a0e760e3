import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { requestIdGenerator } from './request-id.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('request ids', () => {
  it('are random UUIDs, whatever the client sends, unless a header is configured', () => {
    const gen = requestIdGenerator(loadConfig({}).requestIdHeader);
    expect(gen(req({ 'x-request-id': 'chosen-by-client' }))).toMatch(UUID);
    expect(gen(req({}))).not.toBe(gen(req({})));
  });

  it('come from the configured proxy header when it holds a plain token', () => {
    const gen = requestIdGenerator(loadConfig({ EHR_BRIDGE_REQUEST_ID_HEADER: 'X-Amzn-Trace-Id' }).requestIdHeader);
    expect(gen(req({ 'x-amzn-trace-id': 'Root=1-67891233' }))).toMatch(UUID); // '=' is not in a plain token
    expect(gen(req({ 'x-amzn-trace-id': 'trace-1.2:3_4' }))).toBe('trace-1.2:3_4');
    expect(gen(req({ 'x-amzn-trace-id': 'a'.repeat(129) }))).toMatch(UUID);
    expect(gen(req({ 'x-amzn-trace-id': 'line\nbreak' }))).toMatch(UUID);
    expect(gen(req({ 'x-request-id': 'other-header' }))).toMatch(UUID);
  });

  it('a header name that is not one is a configuration error', () => {
    expect(() => loadConfig({ EHR_BRIDGE_REQUEST_ID_HEADER: 'x request id' })).toThrow(/requestIdHeader/);
  });
});
