import type { PageLink } from '@publisher/read-model';
import type { FastifyRequest } from 'fastify';

/**
 * The absolute URL of this request with some query parameters replaced (null removes one), for
 * paged lists' `next` / `previous` links; every other parameter is kept, the replaced ones go last.
 * @example
 * linkTo(request, { cursor: encodeCursor(…) }) // 'http://127.0.0.1:3001/api/v1/publisher/audit/events?actor=ann&cursor=…'
 */
export function linkTo(request: FastifyRequest, changes: Record<string, string | number | null>): string {
  const url = new URL(request.url, `${request.protocol}://${request.host}`);
  for (const name of Object.keys(changes)) url.searchParams.delete(name);
  for (const [name, value] of Object.entries(changes)) {
    if (value !== null) url.searchParams.append(name, String(value));
  }
  return url.toString();
}

/** The link to a neighbouring page of a record list: its cursor or, past the last page, its number. */
export function pageUrl(request: FastifyRequest, link: PageLink | null): string | null {
  if (link === null) return null;
  return linkTo(request, 'cursor' in link ? { page: null, cursor: link.cursor } : { cursor: null, page: link.page });
}
