import { httpError, type Principal, readScope, type TenantScope } from '@publisher/platform';
import { ForbiddenAccountError, narrowScope } from '@publisher/read-model';
import type { FastifyRequest } from 'fastify';
import { accountForbidden } from './errors.ts';

/** The `X-Read-Position` response header: the read models include every event up to it. */
export const READ_POSITION_HEADER = 'x-read-position';

/**
 * THE place where a caller's token becomes what it may read: its account (or any account for
 * roles that read across accounts), its `site_ids`, narrowed by an explicit `account_id` filter.
 * @example
 * const scope = scopeFor(request.principal, request.query.account_id);
 */
export function scopeFor(principal: Principal, accountId?: number): TenantScope {
  try {
    return narrowScope(readScope(principal), accountId);
  } catch (err) {
    if (err instanceof ForbiddenAccountError) throw accountForbidden(err.account_id);
    throw err;
  }
}

/** `status=a,b` and `status=a&status=b` both mean "a or b": split commas before validation. */
export function splitCommaLists(request: FastifyRequest, _reply: unknown, done: () => void): void {
  // Before validation the query is whatever the querystring parser made of the URL.
  const query: unknown = request.query;
  if (typeof query === 'object' && query !== null && 'status' in query && query.status !== undefined) {
    const value = query.status;
    const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(','));
    query.status = parts.map((p) => p.trim()).filter((p) => p !== '');
  }
  done();
}

/**
 * A time range whose start is later than its end: two values swapped, almost always, and an empty
 * page would not say so. Refused as a 400 naming the start. Equal bounds are an empty range, not an
 * error (an inclusive start, an exclusive end).
 * @example
 * rejectInvertedRange(request.query, 'from', 'to');
 */
export function rejectInvertedRange(query: Readonly<Record<string, unknown>>, start: string, end: string): void {
  const from = query[start];
  const to = query[end];
  if (typeof from === 'string' && typeof to === 'string' && instantOf(from) > instantOf(to)) {
    throw httpError('VALIDATION', `${start} is later than ${end}`, {
      errors: { [`querystring.${start}`]: [`must not be later than ${end}`] },
    });
  }
}

/**
 * The epoch milliseconds of a validated RFC 3339 date-time, NaN when it cannot tell (a leap second;
 * then no range is refused). The spellings the format lets through (a space or `t` between date
 * and time, an offset of hours alone) are first written as ECMAScript's ISO format, which
 * `Date.parse` reads exactly: its fallback would read year 0001 written with a space as 2001.
 */
function instantOf(value: string): number {
  return Date.parse(
    value
      .toUpperCase()
      .replace(/^(\d{4}-\d{2}-\d{2})\s+/, '$1T')
      .replace(/([+-]\d{2})$/, '$1:00'),
  );
}

/**
 * `unknown` when a read-model query takes every filter a route's query schema has; otherwise a type
 * nothing satisfies, naming the filters it lacks. A filter added to a schema alone would be
 * validated and then ignored (an object with more keys is still assignable), answering unfiltered
 * pages; intersected with the query function's type, it makes that a compile error.
 * @example
 * list: List & TakesEveryFilter<FiltersOf<Query>, Parameters<List>[2]>
 */
export type TakesEveryFilter<Given, Taken> = [Exclude<keyof Given, keyof Taken>] extends [never]
  ? unknown
  : { filtersTheQueryDoesNotTake: Exclude<keyof Given, keyof Taken> };
