import type { FastifyRequest } from 'fastify';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './assumptions.js';
import { requestAbsoluteUrl } from './resource-urls.js';

/**
 * DRF PageNumberPagination: `?page=N` (or `last`), `?page_size=` (strictly positive, clamped to
 * the maximum, otherwise the default), `{count, next, previous, results}`. `next`/`previous`
 * are the request's own absolute URL with `page` replaced (removed for page 1), other query
 * parameters kept and sorted as DRF's replace_query_param does.
 */

export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

function lastValue(value: unknown): string | undefined {
  if (Array.isArray(value)) return lastValue(value[value.length - 1]);
  return typeof value === 'string' ? value : undefined;
}

export function queryValue(request: FastifyRequest, key: string): string | undefined {
  return lastValue((request.query as Record<string, unknown> | undefined)?.[key]);
}

function pageSizeOf(request: FastifyRequest): number {
  const raw = queryValue(request, 'page_size');
  if (raw === undefined || !/^\d+$/.test(raw)) return DEFAULT_PAGE_SIZE;
  const n = Number(raw);
  if (n <= 0) return DEFAULT_PAGE_SIZE;
  return Math.min(n, MAX_PAGE_SIZE);
}

function linkTo(request: FastifyRequest, page: number | null): string {
  const url = requestAbsoluteUrl(request);
  const params = [...url.searchParams.entries()].filter(([k]) => k !== 'page');
  if (page !== null) params.push(['page', String(page)]);
  params.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const query = new URLSearchParams(params).toString();
  return `${url.origin}${url.pathname}${query ? `?${query}` : ''}`;
}

/** One page of `items`, or undefined when the page number is invalid or out of range. */
export function paginate<T, R>(request: FastifyRequest, items: readonly T[], render: (item: T) => R): Page<R> | undefined {
  const size = pageSizeOf(request);
  const pages = Math.max(1, Math.ceil(items.length / size));
  const raw = queryValue(request, 'page');
  let page = 1;
  if (raw !== undefined) {
    if (raw === 'last') page = pages;
    else if (/^\d+$/.test(raw)) page = Number(raw);
    else return undefined;
  }
  if (page < 1 || page > pages) return undefined;
  const start = (page - 1) * size;
  const results: R[] = [];
  const end = Math.min(items.length, start + size);
  for (let i = start; i < end; i++) results.push(render(items[i] as T));
  return {
    count: items.length,
    next: page < pages ? linkTo(request, page + 1) : null,
    previous: page > 1 ? linkTo(request, page === 2 ? null : page - 1) : null,
    results,
  };
}
