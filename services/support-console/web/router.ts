/** Hash routes: `#/find?site_id=3`, `#/publishing-records/<id>`, … — bookmarkable and back-button friendly. */
export interface Route {
  path: string[];
  query: URLSearchParams;
}

export function currentRoute(): Route {
  const hash = location.hash.replace(/^#/, '') || '/find';
  const [path = '', query = ''] = hash.split('?', 2);
  return { path: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query) };
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
