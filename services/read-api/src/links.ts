import type { FastifyRequest } from 'fastify';

/**
 * The absolute URL of this request with some query parameters replaced (null removes one), for
 * cursor-paged lists' `next` / `previous` links; every other parameter is kept.
 * @example
 * linkTo(request, { cursor: encodeCursor(…) }) // 'http://127.0.0.1:3001/api/v1/publisher/audit/events?actor=ann&cursor=…'
 */
export function linkTo(request: FastifyRequest, changes: Record<string, string | number | null>): string {
  const url = new URL(request.url, `${request.protocol}://${request.host}`);
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) url.searchParams.delete(name);
    else url.searchParams.set(name, String(value));
  }
  return url.toString();
}
