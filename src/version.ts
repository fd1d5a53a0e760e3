/**
 * The product's name and version, as package.json says (src/version.test.ts keeps them equal):
 * the compiled server in dist/server has no package.json beside it to read at run time.
 */
export const PRODUCT_NAME = 'ehr-bridge';
export const PRODUCT_VERSION = '0.1.0';
