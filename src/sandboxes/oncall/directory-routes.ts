import { DETAIL } from './drf-errors.js';
import { paginate } from './pagination.js';
import { renderDivision, renderProvider } from './render.js';
import { parseIdParam } from './resource-urls.js';
import { NOT_FOUND, ok, type RouteKit } from './route-kit.js';
import type { SandboxContext } from './sandbox-context.js';

/** Providers and divisions: read-only, paginated like every list (partner-apis.md). */
export function registerDirectoryRoutes(kit: RouteKit, ctx: SandboxContext): void {
  const invalidPage = { status: 404, body: { detail: DETAIL.invalidPage } };

  kit.add('/providers/', {
    GET: (request, base) => {
      const providers = [...ctx.store.providers.values()].sort((a, b) => a.id - b.id);
      const page = paginate(request, providers, (p) => renderProvider(p, base));
      return page ? ok(page) : invalidPage;
    },
  });
  kit.add('/providers/:id/', {
    GET: (request, base) => {
      const id = parseIdParam((request.params as { id?: string }).id);
      const provider = id === undefined ? undefined : ctx.store.providers.get(id);
      return provider ? ok(renderProvider(provider, base)) : NOT_FOUND;
    },
  });
  kit.add('/divisions/', {
    GET: (request, base) => {
      const divisions = [...ctx.store.divisions.values()].sort((a, b) => a.id - b.id);
      const page = paginate(request, divisions, (d) => renderDivision(d, base));
      return page ? ok(page) : invalidPage;
    },
  });
  kit.add('/divisions/:id/', {
    GET: (request, base) => {
      const id = parseIdParam((request.params as { id?: string }).id);
      const division = id === undefined ? undefined : ctx.store.divisions.get(id);
      return division ? ok(renderDivision(division, base)) : NOT_FOUND;
    },
  });
}
