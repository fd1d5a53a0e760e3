import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../config/config.js';
import { DEFAULT_SANDBOX_MAX_FRAME_BYTES } from './ehr/plugin.js';
import { embeddedSandboxOptions } from './embedded.js';

/**
 * The embedded EHR receiver's frame limit: the engine's largest document in base64 by default,
 * SANDBOX_EHR_MAX_FRAME_BYTES when it is a positive whole number, and never a value the plugin
 * would ignore (that fell back to the plugin's 32 MiB, below the engine's own largest message).
 */
describe('embedded EHR receiver frame limit', () => {
  afterEach(() => vi.unstubAllEnvs());
  const config = loadConfig({});
  const largest = Math.max(DEFAULT_SANDBOX_MAX_FRAME_BYTES, Math.ceil(config.ehr.maxPayloadBytes / 3) * 4 + 1024 * 1024);

  it('takes the largest message by default and a whole number from the environment', () => {
    expect(embeddedSandboxOptions(config).ehr?.maxFrameBytes).toBe(largest);
    vi.stubEnv('SANDBOX_EHR_MAX_FRAME_BYTES', '1000000');
    expect(embeddedSandboxOptions(config).ehr?.maxFrameBytes).toBe(1_000_000);
  });

  it.each(['1.5', '-3', 'abc', '1e300'])('ignores %s as the plugin does, keeping the largest message', (value) => {
    vi.stubEnv('SANDBOX_EHR_MAX_FRAME_BYTES', value);
    expect(embeddedSandboxOptions(config).ehr?.maxFrameBytes).toBe(largest);
  });
});
