import type { Encounter, Patient, Reference } from '@medplum/fhirtypes';
import type { Config, EhrRouteConfig } from '../../config/config.js';

/**
 * Which hospital EHR route a document takes: the first route that lists the Encounter's
 * serviceProvider, else the one listing the Patient's managingOrganization, else the default
 * route. An organisation is named by its id, `Organization/<id>`, or an identifier value.
 */
export interface SelectedRoute {
  name: string;
  route: EhrRouteConfig;
}

function organisationKeys(ref: Reference | undefined): string[] {
  if (!ref) return [];
  const keys: string[] = [];
  const m = /(?:^|\/)Organization\/([^/]+)$/.exec(ref.reference ?? '');
  if (m?.[1]) keys.push(m[1], `Organization/${m[1]}`);
  if (ref.identifier?.value) keys.push(ref.identifier.value);
  return keys;
}

export function selectRoute(config: Config['ehr'], patient: Patient, encounter: Encounter | undefined): SelectedRoute {
  const candidates = [organisationKeys(encounter?.serviceProvider), organisationKeys(patient.managingOrganization)];
  for (const keys of candidates) {
    if (keys.length === 0) continue;
    for (const [name, route] of Object.entries(config.routes)) {
      if (route.organizations.some((o) => keys.includes(o))) return { name, route };
    }
  }
  const route = config.routes[config.defaultRoute];
  if (!route) throw new Error(`EHR route ${config.defaultRoute} is not configured`);
  return { name: config.defaultRoute, route };
}

/** The route by name (a re-send uses the route recorded with the transaction). */
export function routeByName(config: Config['ehr'], name: string): EhrRouteConfig | undefined {
  return config.routes[name];
}
