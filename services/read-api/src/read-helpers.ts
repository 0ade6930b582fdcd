import { comparePositions } from '@publisher/event-store';
import { type Principal, readScope } from '@publisher/platform';
import { ForbiddenAccountError, narrowScope, type TenantScope } from '@publisher/read-model';
import type { FastifyRequest } from 'fastify';
import type { CheckpointWatcher } from './checkpoint-watcher.ts';
import { accountForbidden, projectionBehind, projectionStopped } from './errors.ts';

/**
 * THE place where a caller's token becomes what it may read: its account (or any account for
 * roles that read across accounts), its `site_ids`, narrowed by an explicit `account_id` filter.
 * @example
 * const scope = scopeFor(request.principal, request.query.account_id);
 */
export function scopeFor(principal: Principal, accountId?: number): TenantScope {
  const s = readScope(principal);
  const scope: TenantScope = { account_id: s.account_id ?? 'any', site_ids: s.site_ids };
  try {
    return narrowScope(scope, accountId);
  } catch (err) {
    if (err instanceof ForbiddenAccountError) throw accountForbidden(err.account_id);
    throw err;
  }
}

/**
 * The position a request asks the read models to include (`min_position` query parameter or
 * `X-Min-Position` header; the later one when both), or undefined.
 */
export function wantedPosition(request: FastifyRequest, fromQuery: string | undefined): string | undefined {
  const header = request.headers['x-min-position'];
  const fromHeader = typeof header === 'string' ? header : undefined;
  if (fromHeader === undefined) return fromQuery;
  return comparePositions(fromQuery ?? null, fromHeader) >= 0 ? fromQuery : fromHeader;
}

/**
 * Read-your-writes: holds the request until the read models include `wanted`, at most `timeoutMs`;
 * past that, 503 PROJECTION_BEHIND with Retry-After (or PROJECTION_STOPPED), never stale data.
 */
export async function waitForPosition(watcher: CheckpointWatcher, wanted: string, timeoutMs: number): Promise<void> {
  const started = Date.now();
  const outcome = await watcher.waitFor(wanted, timeoutMs);
  if (outcome === 'stopped') throw projectionStopped(wanted, watcher.position);
  if (outcome === 'timeout') throw projectionBehind(wanted, watcher.position, Date.now() - started);
}

/**
 * `wantedPosition` then `waitForPosition` when the request named one. Resolves whether it did.
 */
export async function awaitMinPosition(
  request: FastifyRequest,
  watcher: CheckpointWatcher,
  timeoutMs: number,
  fromQuery: string | undefined,
): Promise<boolean> {
  const wanted = wantedPosition(request, fromQuery);
  if (wanted === undefined) return false;
  await waitForPosition(watcher, wanted, timeoutMs);
  return true;
}

/** RFC 9110 If-None-Match: weak comparison, `*` matches any current representation. */
export function noneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((t) => t.trim() === '*' || opaque(t) === etag);
}

/** Absolute links to the neighbouring pages (null at either end), keeping every other parameter. */
export function pageLinks(
  request: FastifyRequest,
  page: number,
  pageSize: number,
  count: number,
): { next: string | null; previous: string | null } {
  const url = new URL(request.url, `${request.protocol}://${request.host}`);
  const link = (p: number) => {
    url.searchParams.set('page', String(p));
    return url.toString();
  };
  const last = Math.max(1, Math.ceil(count / pageSize));
  return {
    next: page < last ? link(page + 1) : null,
    previous: page > 1 ? link(Math.min(page - 1, last)) : null,
  };
}

/** `status=a,b` and `status=a&status=b` both mean "a or b": split commas before validation. */
export async function splitCommaLists(request: FastifyRequest): Promise<void> {
  const query = request.query as Record<string, unknown>;
  const value = query.status;
  if (value === undefined) return;
  const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(','));
  query.status = parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** The `Cache-Control` of record reads: cacheable by the client, revalidated every time (ETag). */
export const REVALIDATE = 'private, no-cache';
