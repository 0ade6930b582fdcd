import type { TenantScope } from '@publisher/read-model';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ReadApiDeps } from './deps.ts';
import { READ_POSITION_HEADER } from './routes/responses.ts';

/**
 * What a read route computes on a cache miss: its 200 envelope (serialized here with the route's
 * schema), or a page of documents (JSON rendered by the read model, wrapped here in the list
 * envelope the serializer would write).
 */
export type ReadResult = { payload: { request_id: string } } | { list: DocumentPage };

/** A page of documents and what the list envelope says about it. */
export interface DocumentPage {
  count: number;
  documents: string[];
  next: string | null;
  previous: string | null;
}

/** Both envelopes end with `request_id` (schema order is serialization order). */
const REQUEST_ID_TAIL = '"request_id":""}';
/** The list envelope around a page of documents, as the serializer writes `listOf(…)`. */
function listPrefix(page: DocumentPage): string {
  const links = `"next":${JSON.stringify(page.next)},"previous":${JSON.stringify(page.previous)}`;
  return `{"success":true,"count":${page.count},${links},"results":[${page.documents.join(',')}],"request_id":"`;
}

/**
 * Answers a read: from the response cache when `cacheable` and a valid entry exists, otherwise by
 * running `load` (the query), building the body (a page of documents wrapped in the list envelope,
 * or a payload serialized with the route's response schema) and, when `cacheable`, caching it.
 * Callers pass `cacheable: false` for requests that named a `min_position` (read-your-writes probes,
 * rarely repeated). Sets `X-Read-Position`.
 *
 * Single records (`sendDocument`) do not come here: a batched primary-key lookup costs about what
 * the cache's bookkeeping costs a miss (bench:reads, random records: 59–62 µs of API CPU per request
 * without it, 69–78 µs with it, same runs; a hit saves ~20 µs, so caching pays only above a ~1/3 hit
 * rate), and their entries would crowd out list pages, whose queries are the expensive ones.
 *
 * @example
 * return sendRead(request, reply, deps, scope, !waited, async () => ({ payload: success(request, data) }));
 */
export async function sendRead(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: ReadApiDeps,
  scope: TenantScope,
  cacheable: boolean,
  load: () => Promise<ReadResult>,
): Promise<FastifyReply> {
  const { cache, watcher } = deps;
  cacheable &&= cache.enabled;
  const key = cacheable ? cacheKey(request, scope) : '';
  const hit = cacheable ? cache.get(key) : undefined;
  const requestId = JSON.stringify(request.id).slice(1, -1);
  if (hit !== undefined) {
    // Current as of the announced checkpoint: what the cache knows changed.
    reply.header(READ_POSITION_HEADER, watcher.announced ?? '');
    // Bytes go out as they are (no serializer, no UTF-8 encoding of the whole body per response).
    const tail = Buffer.from(`${requestId}"}`);
    reply.type('application/json; charset=utf-8');
    return reply.send(Buffer.concat([hit.prefix, tail], hit.prefix.length + tail.length));
  }
  // A query's answer is current as of the checkpoint known before it ran (its snapshot is newer).
  const position = watcher.position;
  const stamp = cache.stamp(watcher.announced);
  const result = await load();
  const prefix = 'list' in result ? listPrefix(result.list) : serialized(reply, result.payload);
  if (cacheable && cache.admit(key)) cache.set(key, stamp, { prefix: Buffer.from(prefix), account: scope.account_id });
  reply.header(READ_POSITION_HEADER, position ?? '');
  // A string with a JSON content type goes out as is (the route's serializer is skipped).
  reply.type('application/json; charset=utf-8');
  return reply.send(`${prefix}${requestId}"}`);
}

/** The route's envelope up to the request id's value. */
function serialized(reply: FastifyReply, payload: { request_id: string }): string {
  const body = reply.serialize({ ...payload, request_id: '' }) as string;
  if (!body.endsWith(REQUEST_ID_TAIL)) throw new Error('read envelope does not end with request_id');
  return body.slice(0, -2);
}

/**
 * The caller's scope and everything of the request the body depends on: path and query (page
 * links repeat them) and the origin the links are built from.
 */
function cacheKey(request: FastifyRequest, scope: TenantScope): string {
  const sites = scope.site_ids === null ? '*' : scope.site_ids.join(',');
  return `${scope.account_id}|${sites}|${request.protocol}://${request.host}${request.url}`;
}
