import type { OncallClient } from '../../../../partners/oncall/client.js';
import { oncallRelationUrl } from '../../../bulk-import/targets/oncall-refs.js';
import type { SyncSettings } from '../../settings.js';
import { SyncRefused } from '../../sync-target.js';

export interface OncallPlacement {
  division: string;
  provider: string;
  /** The provider's e-mail (participant e-mail fallback). */
  providerEmail: string | null;
}

const TTL_MS = 60_000;

/**
 * Where synced records go in OnCall: the configured division and provider, else the first ones
 * OnCall lists (issue 8: "first division and first provider" with no configuration); a division
 * per EMR location when configured. Listings are cached for a minute: one call per minute, not
 * one per message.
 */
export class OncallPlacements {
  private cache: { at: number; divisions: string[]; providers: Array<{ url: string; email: string | null }> } | undefined;

  constructor(
    private readonly client: () => OncallClient,
    private readonly baseUrl: () => string,
    private readonly settings: SyncSettings,
  ) {}

  async placementFor(location: { pointOfCare?: string; facility?: string } | undefined): Promise<OncallPlacement> {
    const listed = await this.listed();
    const byLocation =
      (location?.pointOfCare && this.settings.divisionByLocation[location.pointOfCare]) ||
      (location?.facility && this.settings.divisionByLocation[location.facility]) ||
      undefined;
    const divisionSetting = byLocation ?? this.settings.division;
    const division = divisionSetting ? oncallRelationUrl(this.baseUrl(), 'divisions', divisionSetting) : listed.divisions[0];
    if (!division) throw new SyncRefused('OnCall lists no division: set EHR_BRIDGE_SYNC_DIVISION');
    const provider = this.settings.provider ? oncallRelationUrl(this.baseUrl(), 'providers', this.settings.provider) : listed.providers[0]?.url;
    if (!provider) throw new SyncRefused('OnCall lists no provider: set EHR_BRIDGE_SYNC_PROVIDER');
    const id = /\/providers\/([^/?#]+)/.exec(provider)?.[1];
    const providerEmail = listed.providers.find((p) => /\/providers\/([^/?#]+)/.exec(p.url)?.[1] === id)?.email ?? null;
    return { division, provider, providerEmail };
  }

  private async listed() {
    if (this.cache && Date.now() - this.cache.at < TTL_MS) return this.cache;
    const needDivisions = !this.settings.division;
    const [divisions, providers] = await Promise.all([
      needDivisions ? this.client().listDivisions() : Promise.resolve([]),
      this.client().listProviders(),
    ]);
    this.cache = { at: Date.now(), divisions: divisions.map((d) => d.url), providers: providers.map((p) => ({ url: p.url, email: p.email ?? null })) };
    return this.cache;
  }
}
