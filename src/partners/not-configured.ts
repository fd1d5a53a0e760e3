/**
 * A feature needs a partner that this engine has no address for: no setting names it and no
 * sandbox stands in for it (sandboxes are off outside the embedded demo, src/sandboxes/enabled.ts).
 * Its message names the setting to add, never a value; the HTTP layers show it as is (503),
 * instead of a connection error to a sandbox that is not there.
 */
export class PartnerNotConfiguredError extends Error {
  override name = 'PartnerNotConfiguredError';

  constructor(
    readonly partner: string,
    message: string,
  ) {
    super(message);
  }
}
