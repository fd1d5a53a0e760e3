/**
 * Division and provider may be given as full OnCall URLs (what the API returns) or as bare ids
 * (what a person types in a CSV); OnCall wants URLs of its own API in relation fields.
 */
export function oncallRelationUrl(baseUrl: string, kind: 'divisions' | 'providers', value: string): string {
  const v = value.trim();
  if (/^https?:\/\//i.test(v)) return v.endsWith('/') ? v : `${v}/`;
  if (!/^\d+$/.test(v)) throw new Error(`${kind === 'divisions' ? 'division' : 'provider'} must be an OnCall URL or a numeric id`);
  return `${baseUrl.replace(/\/+$/, '')}/${kind}/${v}/`;
}
