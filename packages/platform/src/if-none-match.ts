import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';

/** The `Cache-Control` of record reads: cacheable by the client, revalidated every time (ETag). */
const REVALIDATE = 'private, no-cache';

/** The ETag of a record at a revision: its write answers and its conditional reads use the same tag. */
export function etagOf(revision: number): string {
  return `"${revision}"`;
}

/** The header of a conditional record read, for the `headers` schema of both APIs' record reads. */
export const IfNoneMatchHeader = { 'if-none-match': Type.Optional(Type.String({ maxLength: 1000 })) };

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
 * `If-None-Match` matches sends the 304 and resolves true once it has gone out, so the handler's
 * `undefined` makes Fastify send nothing more, whatever `onSend` hooks delay the reply (a handler
 * typed by its response schemas cannot return the reply). The 304 has no payload: a null one would
 * be serialized to `null`, its Content-Length (4) sent.
 * @example
 * if (await notModified(request, reply, found.revision)) return undefined;
 */
export async function notModified(request: FastifyRequest, reply: FastifyReply, revision: number): Promise<boolean> {
  const etag = etagOf(revision);
  reply.header('etag', etag).header('cache-control', REVALIDATE);
  if (!noneMatch(request.headers['if-none-match'], etag)) return false;
  await reply.code(304).send();
  return true;
}
