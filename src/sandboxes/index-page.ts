import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * What a sandbox's own address (`/sandbox/oncall/`, `/sandbox/fhir-emr/`: the links `npm start`
 * prints) answers: what the sandbox emulates, its main endpoints and its admin switches. A page
 * for a browser, the same as JSON for anything else (curl, a script).
 */
export interface SandboxEndpoint {
  method: string;
  /** Relative to the sandbox's base URL ("contacts/", "Patient?family=..."). */
  path: string;
  what: string;
}

export interface SandboxIndex {
  name: string;
  description: string;
  /** How a client authenticates, in a sentence. */
  auth: string;
  endpoints: SandboxEndpoint[];
  /** The `_admin` switches (faults, reset, counters...). */
  admin: SandboxEndpoint[];
  notes?: string[];
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return /\btext\/html\b/.test(accept);
}

function rows(base: string, list: SandboxEndpoint[]): string {
  return list
    .map((e) => {
      const url = `${base}${e.path}`;
      const link = e.method.startsWith('GET') && /^[\w\-\/$]*$/.test(e.path) ? `<a href="${esc(url)}">${esc(e.path || '/')}</a>` : esc(e.path || '/');
      return `<tr><td><code>${esc(e.method)}</code></td><td><code>${link}</code></td><td>${esc(e.what)}</td></tr>`;
    })
    .join('\n');
}

export function renderSandboxIndexHtml(base: string, index: SandboxIndex): string {
  const table = (caption: string, list: SandboxEndpoint[]) =>
    `<table><caption>${esc(caption)}</caption><thead><tr><th>Method</th><th>Path</th><th>What</th></tr></thead><tbody>\n${rows(base, list)}\n</tbody></table>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(index.name)} · ehr-bridge sandbox</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #212529; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0 2rem; }
caption { text-align: left; font-weight: 600; font-size: 1.15rem; margin-bottom: .5rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #dee2e6; vertical-align: top; overflow-wrap: anywhere; }
code { font-size: .95em; }
a { color: #087f5b; }
</style>
</head>
<body>
<main>
<h1>${esc(index.name)}</h1>
<p>${esc(index.description)}</p>
<p>Base URL: <code>${esc(base)}</code></p>
<p>${esc(index.auth)}</p>
${table('Endpoints', index.endpoints)}
${table('Admin switches', index.admin)}
${(index.notes ?? []).map((n) => `<p>${esc(n)}</p>`).join('\n')}
<p>Add <code>Accept: application/json</code> to get this page as JSON.</p>
</main>
</body>
</html>
`;
}

/** The base URL of the request's sandbox: scheme and host as the client used them, then the prefix. */
export function sandboxBaseUrl(request: FastifyRequest, prefix: string): string {
  return `${request.protocol}://${request.host}${prefix.replace(/\/+$/, '')}/`;
}

export function sendSandboxIndex(request: FastifyRequest, reply: FastifyReply, prefix: string, index: SandboxIndex): FastifyReply {
  const base = sandboxBaseUrl(request, prefix);
  reply.header('vary', 'Accept');
  if (wantsHtml(request)) return reply.code(200).type('text/html; charset=utf-8').send(renderSandboxIndexHtml(base, index));
  return reply.code(200).type('application/json; charset=utf-8').send({ ...index, baseUrl: base });
}
