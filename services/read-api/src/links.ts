import type { PageLink } from '@publisher/read-model';
import type { FastifyRequest } from 'fastify';

/**
 * The absolute URL of this request with some query parameters replaced (null removes one), for
 * paged lists' `next` / `previous` links; every other parameter is kept, the replaced ones go last.
 * The path is the request's as routed (origin-form: a route matched it); only the query is parsed,
 * with URLSearchParams alone — a whole `new URL` costs several times as much per link.
 * @example
 * linkTo(request, { cursor: encodeCursor(…) }) // 'http://127.0.0.1:3001/api/v1/publisher/audit/events?actor=ann&cursor=…'
 */
export function linkTo(request: FastifyRequest, changes: Record<string, string | number | null>): string {
  const q = request.url.indexOf('?');
  const path = q === -1 ? request.url : request.url.slice(0, q);
  const params = new URLSearchParams(q === -1 ? '' : request.url.slice(q + 1));
  for (const name of Object.keys(changes)) params.delete(name);
  for (const [name, value] of Object.entries(changes)) {
    if (value !== null) params.append(name, String(value));
  }
  const query = params.toString();
  return `${request.protocol}://${request.host}${path}${query === '' ? '' : `?${query}`}`;
}

/** The link to a neighbouring page of a record list: its cursor or, past the last page, its number. */
export function pageUrl(request: FastifyRequest, link: PageLink | null): string | null {
  if (link === null) return null;
  return linkTo(request, 'cursor' in link ? { page: null, cursor: link.cursor } : { cursor: null, page: link.page });
}
