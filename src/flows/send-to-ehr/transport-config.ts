import { readFileSync } from 'node:fs';
import type tls from 'node:tls';
import type { EhrRouteConfig } from '../../config/config.js';
import type { EhrTransportConfig } from '../../partners/ehr/transports/index.js';

/**
 * Turns a route's transport settings into the transport layer's options. A transport without an
 * address points at the sandbox EHR receiver of this process (the embedded run's default route:
 * ORU^R01 over MLLP to the receiver started beside the engine).
 */
export interface SandboxReceiver {
  mllpHost: string;
  mllpPort: number;
  dropDir: string;
  /** `POST` URL of the receiver's JSON endpoint. */
  jsonUrl: string;
}

export class RouteConfigError extends Error {
  override name = 'RouteConfigError';
}

function tlsOptions(value: Extract<EhrRouteConfig['transport'], { kind: 'mllp' }>['tls']): tls.ConnectionOptions | boolean {
  if (typeof value === 'boolean') return value;
  const read = (f: string | undefined) => (f ? readFileSync(f) : undefined);
  return {
    ca: read(value.caFile),
    cert: read(value.certFile),
    key: read(value.keyFile),
    servername: value.servername,
    rejectUnauthorized: value.rejectUnauthorized,
  };
}

export function resolveTransport(routeName: string, route: EhrRouteConfig, sandbox: SandboxReceiver | undefined): EhrTransportConfig {
  const t = route.transport;
  const partner = `ehr:${routeName}`;
  const needSandbox = (what: string): SandboxReceiver => {
    if (!sandbox) throw new RouteConfigError(`EHR route ${routeName} has no ${what} and no sandbox EHR receiver runs in this process`);
    return sandbox;
  };
  switch (t.kind) {
    case 'mllp': {
      const addr = t.host && t.port ? { host: t.host, port: t.port } : { host: needSandbox('MLLP host/port').mllpHost, port: needSandbox('MLLP host/port').mllpPort };
      return {
        transport: 'mllp',
        ...addr,
        tls: tlsOptions(t.tls),
        connectTimeoutMs: t.connectTimeoutMs,
        ackTimeoutMs: t.ackTimeoutMs,
        // The ACK of a multi-MB message is still small; 1 MB is the transport's own default.
        partner,
      };
    }
    case 'file':
      return { transport: 'file', dir: t.dir ?? needSandbox('directory').dropDir, partner };
    case 'http':
      return {
        transport: 'http',
        url: t.url ?? needSandbox('URL').jsonUrl,
        timeoutMs: t.timeoutMs,
        ...(t.bearerToken ? { headers: { authorization: `Bearer ${t.bearerToken}` } } : {}),
        partner,
      };
  }
}

/** Where a route delivers, in words for the documents page (no credentials). */
export function describeTransport(config: EhrTransportConfig): string {
  switch (config.transport) {
    case 'mllp':
      return `mllp${config.tls ? '+tls' : ''}://${config.host}:${config.port}`;
    case 'file':
      return `file://${config.dir}`;
    case 'http':
      return config.url;
  }
}
