import type { FastifyReply, FastifyRequest } from 'fastify';

/** The `Cache-Control` of record reads: cacheable by the client, revalidated every time (ETag). */
const REVALIDATE = 'private, no-cache';

/** The ETag of a record at a revision: its write answers and its conditional reads use the same tag. */
export function etagOf(revision: number): string {
  return `"${revision}"`;
}

/**
 * RFC 9110 If-None-Match: weak comparison, `*` matches any current representation.
 * @example
 * noneMatch('W/"3", "4"', '"3"') // true
 */
export function noneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((t) => t.trim() === '*' || opaque(t) === etag);
}

/**
 * The conditional GET of a record read: sets `ETag` (its revision) and `Cache-Control`, and when
 * `If-None-Match` matches sends the 304 and returns true (the handler then returns the reply).
 * The 304 is sent without a payload: a null one would be serialized to `null`, its Content-Length (4) sent.
 * @example
 * if (notModified(request, reply, found.revision)) return reply;
 */
export function notModified(request: FastifyRequest, reply: FastifyReply, revision: number): boolean {
  const etag = etagOf(revision);
  reply.header('etag', etag).header('cache-control', REVALIDATE);
  if (!noneMatch(request.headers['if-none-match'], etag)) return false;
  reply.code(304).send();
  return true;
}
