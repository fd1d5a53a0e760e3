/**
 * Division and provider may be given as full OnCall URLs (what the API returns) or as bare ids
 * (what a person types in a CSV); OnCall wants URLs of its own API in relation fields.
 */
/** The `/divisions/<id>/` part of a division URL (hosts differ between the API and its echoes). */
export function divisionPath(url: string | null | undefined): string {
  const m = /\/divisions\/([^/?#]+)\/?/.exec(url ?? '');
  return m ? `/divisions/${m[1]}/` : '';
}

export function oncallRelationUrl(baseUrl: string, kind: 'divisions' | 'providers', value: string): string {
  const v = value.trim();
  if (/^https?:\/\//i.test(v)) return v.endsWith('/') ? v : `${v}/`;
  if (!/^\d+$/.test(v)) throw new Error(`${kind === 'divisions' ? 'division' : 'provider'} must be an OnCall URL or a numeric id`);
  return `${baseUrl.replace(/\/+$/, '')}/${kind}/${v}/`;
}
