import type { TenantScope } from '@publisher/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ReadApiDeps } from './deps.ts';
import { READ_POSITION_HEADER } from './read-helpers.ts';
import { waitForPosition, wantedPosition } from './read-your-writes.ts';

/** What a cached read computes on a miss: the answer and about how many bytes it holds. */
export interface Loaded<T> {
  value: T;
  bytes: number;
}

/**
 * A read through the response cache: waits for the request's `min_position` if it names one, then
 * answers from the cache when a valid entry exists, otherwise runs `load` and caches what it
 * returns. Requests with a `min_position` always read PostgreSQL (read-your-writes probes are rarely
 * repeated). Sets `X-Read-Position`: for a cached answer the checkpoint the cache is current at,
 * for a query the checkpoint known before it ran (its snapshot is at least that new).
 *
 * Single records do not come here: a batched lookup by primary key costs about what the cache's
 * bookkeeping costs a miss, and their entries would crowd out list pages, whose queries are the
 * expensive ones.
 *
 * @example
 * const page = await cachedRead(request, reply, deps, scope, request.query.min_position, async () => ({ value, bytes }));
 */
export async function cachedRead<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: ReadApiDeps,
  scope: TenantScope,
  minPosition: string | undefined,
  load: () => Promise<Loaded<T>>,
): Promise<T> {
  const { cache, watcher } = deps;
  const wanted = wantedPosition(request, minPosition);
  if (wanted !== undefined) await waitForPosition(deps.wait, wanted);
  const cacheable = wanted === undefined && cache.enabled;
  const key = cacheable ? cacheKey(request, scope) : '';
  const hit = cacheable ? cache.get(key) : undefined;
  if (hit !== undefined) {
    reply.header(READ_POSITION_HEADER, watcher.announced ?? '');
    // The key holds the request's path: only this route's `load`, which returns a T, filled it.
    return hit.value as T;
  }
  const position = watcher.position;
  const stamp = cache.stamp(watcher.announced);
  const loaded = await load();
  if (cacheable && cache.admit(key)) cache.set(key, stamp, { ...loaded, account: scope.account_id });
  reply.header(READ_POSITION_HEADER, position ?? '');
  return loaded.value;
}

/**
 * The caller's scope and everything of the request the answer depends on: path and query (page
 * links repeat them) and the origin the links are built from.
 */
function cacheKey(request: FastifyRequest, scope: TenantScope): string {
  const sites = scope.site_ids === null ? '*' : scope.site_ids.join(',');
  return `${scope.account_id}|${sites}|${request.protocol}://${request.host}${request.url}`;
}
