import type { OncallClient } from '../../../../partners/oncall/client.js';
import { isPartnerError } from '../../../../partners/partner-error.js';
import type { PlatformCanonical, PlatformRecordKind, PlatformSource } from '../../platform-events.js';
import { appointmentToCanonical, contactToCanonical, type OncallReadOptions } from './to-canonical.js';

export interface OncallPlatformSourceDeps extends OncallReadOptions {
  /** The OnCall client (ctx.oncall()); read per call, the engine's address is known late. */
  client: () => OncallClient;
}

/**
 * OnCall Health as a platform the EMR is synced from (issue 9). `fetch` GETs a contact or an
 * appointment through the engine's OnCall client, which only ever calls the configured base URL
 * (a URL on another host is re-rooted there, src/partners/oncall/client.ts `rebase`), with its
 * rate limit and retries; a 404 is "deleted in OnCall since" (null). `toCanonical` is the pure
 * mapping of to-canonical.ts.
 */
export class OncallPlatformSource implements PlatformSource {
  readonly system = 'oncall';
  readonly label = 'OnCall Health';

  constructor(private readonly deps: OncallPlatformSourceDeps) {}

  async fetch(kind: PlatformRecordKind, id: string, _signal?: AbortSignal): Promise<unknown | null> {
    const client = this.deps.client();
    try {
      return kind === 'patient' ? await client.getContact(id) : await client.getAppointment(id);
    } catch (e) {
      if (isPartnerError(e) && e.status === 404) return null;
      throw e;
    }
  }

  toCanonical(kind: PlatformRecordKind, record: unknown): PlatformCanonical {
    return kind === 'patient' ? contactToCanonical(record, this.deps) : appointmentToCanonical(record, this.deps);
  }
}
