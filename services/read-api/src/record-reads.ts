import type { ListEnvelopeOf, SuccessEnvelopeOf } from '@publisher/contracts';
import type { TenantScope } from '@publisher/platform';
import { JsonDocument, listPage, notModified, success } from '@publisher/platform';
import { type DocumentPage, InvalidCursorError, type RevisedDocument } from '@publisher/read-model';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { cachedRead } from './cached-read.ts';
import type { ReadApiDeps } from './deps.ts';
import { invalidCursor } from './errors.ts';
import { pageUrl } from './links.ts';
import { READ_POSITION_HEADER } from './read-helpers.ts';
import { waitForPosition, wantedPosition } from './read-your-writes.ts';

/*
 * What the list and single-record routes of both record kinds answer: data in the envelope, which
 * the route's response schema serializes (the documents as they are, see `JsonDocument`).
 */

/**
 * A list page in the list envelope, through the response cache: `count`, links to the neighbouring
 * pages (cursors), and the page's documents as one JSON array (joined by the read model).
 */
export async function listAnswer<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: ReadApiDeps,
  scope: TenantScope,
  minPosition: string | undefined,
  load: () => Promise<DocumentPage>,
): Promise<Omit<ListEnvelopeOf<T>, 'results'> & { results: JsonDocument<T[]> }> {
  const page = await cachedRead(request, reply, deps, scope, minPosition, async () => {
    const found = await load().catch((err: unknown) => {
      throw err instanceof InvalidCursorError ? invalidCursor(err.message) : err;
    });
    const next = pageUrl(request, found.next);
    const previous = pageUrl(request, found.previous);
    // Joined once here: a cached page is sent many times.
    const results = JsonDocument.array<T>(found.documents);
    const bytes = 256 + results.json.length + (next?.length ?? 0) + (previous?.length ?? 0);
    return { value: { count: found.count, next, previous, results }, bytes };
  });
  return listPage(request, page);
}

/**
 * One record in the success envelope, with `ETag` (its revision), `Cache-Control` and
 * `X-Read-Position` (the checkpoint known before the lookup: its snapshot is at least that new);
 * 304 when `If-None-Match` matches; `notFound()` when the scope does not see it.
 */
export async function recordAnswer<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: ReadApiDeps,
  minPosition: string | undefined,
  find: () => Promise<RevisedDocument | undefined>,
  notFound: () => Error,
): Promise<SuccessEnvelopeOf<JsonDocument<T>> | FastifyReply> {
  const wanted = wantedPosition(request, minPosition);
  if (wanted !== undefined) await waitForPosition(deps.wait, wanted);
  const position = deps.watcher.position;
  const found = await find();
  if (found === undefined) throw notFound();
  reply.header(READ_POSITION_HEADER, position ?? '');
  if (notModified(request, reply, found.revision)) return reply;
  return success(request, new JsonDocument<T>(found.document));
}
