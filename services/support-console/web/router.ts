/** Hash routes: `#/find?site_id=3`, `#/publishing-records/<id>`, … — bookmarkable and back-button friendly. */
export interface Route {
  path: string[];
  query: URLSearchParams;
}

/**
 * The route of a hash; null when a path segment is not valid percent-encoding (a link cut short or
 * mistyped), which names no page.
 * @example
 * routeOf('#/publishing-records/%E0%A4%A') // null
 */
function routeOf(hash: string): Route | null {
  const [path = '', query = ''] = (hash.replace(/^#/, '') || '/find').split('?', 2);
  try {
    return { path: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query) };
  } catch (error) {
    if (error instanceof URIError) return null;
    throw error;
  }
}

export function currentRoute(): Route | null {
  return routeOf(location.hash);
}

export function href(path: string, query?: Record<string, string>): string {
  const search = query ? new URLSearchParams(Object.entries(query).filter(([, v]) => v !== '')).toString() : '';
  return `#${path}${search ? `?${search}` : ''}`;
}

export function go(path: string, query?: Record<string, string>): void {
  const target = href(path, query);
  if (location.hash === target) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = target;
}
