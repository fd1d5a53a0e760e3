import type { FastifyRequest } from 'fastify';

/**
 * Objects are stored by id and every `url`/relation is rendered per request from the base URL
 * the request was served on, so the same store answers under any host and prefix. Relation
 * fields sent by clients are full URLs of this API (any host, as DRF's HyperlinkedRelatedField
 * only resolves the path); the id is read from the last two path segments.
 */

export const RESOURCES = ['divisions', 'providers', 'contacts', 'appointments', 'participants'] as const;
export type Resource = (typeof RESOURCES)[number];

/** `${protocol}://${host}${prefix}`: the root every URL of a response hangs from. */
export function baseUrlOf(request: FastifyRequest, prefix: string): string {
  const host = request.headers.host ?? request.hostname;
  return `${request.protocol}://${host}${prefix}`;
}

export function resourceUrl(base: string, resource: Resource, id: number): string {
  return `${base}/${resource}/${id}/`;
}

/** Full URL of the current request (absolute, query included), as DRF's build_absolute_uri. */
export function requestAbsoluteUrl(request: FastifyRequest): URL {
  const host = request.headers.host ?? request.hostname;
  return new URL(`${request.protocol}://${host}${request.url}`);
}

const RELATION_PATH = /\/(divisions|providers|contacts|appointments|participants)\/(\d{1,15})\/?$/;

export type RelationParse =
  | { kind: 'ok'; id: number }
  | { kind: 'no-match' }
  | { kind: 'wrong-resource' };

/** Reads `{resource, id}` from an absolute URL or a path; anything else is "no URL match". */
export function parseRelationUrl(value: string, expected: Resource): RelationParse {
  let path = value;
  if (/^https?:\/\//i.test(value)) {
    try {
      path = new URL(value).pathname;
    } catch {
      return { kind: 'no-match' };
    }
  } else if (!value.startsWith('/')) {
    return { kind: 'no-match' };
  }
  const match = RELATION_PATH.exec(path);
  if (!match) return { kind: 'no-match' };
  if (match[1] !== expected) return { kind: 'wrong-resource' };
  return { kind: 'ok', id: Number(match[2]) };
}

/** Path parameter ids are positive integers; anything else is simply "Not found.". */
export function parseIdParam(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^\d{1,15}$/.test(raw)) return undefined;
  const id = Number(raw);
  return id > 0 ? id : undefined;
}
