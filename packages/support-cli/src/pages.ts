import { API_PREFIX } from '@publisher/platform';
import type { ApiClient } from './api-client.ts';

/** A list envelope as the read API sends it. */
export interface ListPage<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

const PREFIX = `${API_PREFIX}/`;

/** The path (relative to the API prefix) and query of an absolute `next` link. */
function splitLink(link: string): { path: string; query: Record<string, string> } {
  const url = new URL(link);
  const at = url.pathname.indexOf(PREFIX);
  return {
    path: at === -1 ? url.pathname : url.pathname.slice(at + PREFIX.length),
    query: Object.fromEntries(url.searchParams),
  };
}

/**
 * The pages of a list on the read API, first to last, following each page's `next` link.
 * @example
 * for await (const page of pages(api, 'audit/events', { actor: 'ann' })) for (const e of page.results) print(e);
 */
export async function* pages<T>(
  api: ApiClient,
  path: string,
  query: Record<string, string | number | undefined>,
): AsyncGenerator<ListPage<T>> {
  let next: { path: string; query: Record<string, string | number | undefined> } | null = { path, query };
  while (next !== null) {
    const { body }: { body: ListPage<T> } = await api.read<ListPage<T>>(next.path, next.query);
    yield body;
    next = body.next === null ? null : splitLink(body.next);
  }
}

/**
 * The results of a list, first page first, at most `limit` of them, each with the list's `count`.
 * @example
 * for await (const { item } of take(api, 'audit/access-log', {}, 100)) print(item);
 */
export async function* take<T>(
  api: ApiClient,
  path: string,
  query: Record<string, string | number | undefined>,
  limit: number,
): AsyncGenerator<{ item: T; count: number }> {
  let taken = 0;
  for await (const page of pages<T>(api, path, { ...query, page_size: Math.min(limit, 100) })) {
    for (const item of page.results) {
      if (taken === limit) return;
      taken += 1;
      yield { item, count: page.count };
    }
    if (taken === limit) return;
  }
}
