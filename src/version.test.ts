import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PRODUCT_NAME, PRODUCT_VERSION } from './version.js';

describe('product version', () => {
  it('is the one package.json declares', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
    expect({ name: PRODUCT_NAME, version: PRODUCT_VERSION }).toEqual({ name: pkg.name, version: pkg.version });
  });
});
