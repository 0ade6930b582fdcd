import FindMyWay from 'find-my-way';

/** The router options that decide which paths a route pattern matches (Fastify's `routerOptions`). */
export interface PathMatching {
  ignoreTrailingSlash?: boolean;
  ignoreDuplicateSlashes?: boolean;
  caseSensitive?: boolean;
  maxParamLength?: number;
}

/**
 * The methods each registered route path answers, so that a request Fastify finds no route for can
 * be told apart: a path no route has (404) from a path whose routes take other methods (405 with
 * `Allow`, RFC 9110 §15.5.6). Paths match as Fastify's router matches them (same library, same
 * options); every pattern is kept under one method, its store the set of methods registered for it.
 * @example
 * const methods = new RouteMethods({ ignoreTrailingSlash: true });
 * methods.add('/deployments/:id', ['GET', 'HEAD']);
 * methods.allowed('/deployments/7?x=1'); // ['GET', 'HEAD']
 * methods.allowed('/nothing'); // undefined
 */
export class RouteMethods {
  readonly #router: FindMyWay.Instance<FindMyWay.HTTPVersion.V1>;

  constructor(matching: PathMatching = {}) {
    this.#router = FindMyWay(matching);
  }

  /** Records a route; a wildcard route (`/api/command/*`: a proxy, static files) is left out, see below. */
  add(pattern: string, methods: string | readonly string[]): void {
    // What works beneath a wildcard is that route's own business (a proxy forwarding some paths
    // only): its method would be advertised for paths it answers with a 404.
    if (pattern.endsWith('*')) return;
    // Two spellings of one pattern (`/a/` and `/a` under ignoreTrailingSlash) share one entry.
    let known = this.#router.findRoute('GET', pattern)?.store as Set<string> | undefined;
    if (known === undefined) {
      known = new Set();
      this.#router.on('GET', pattern, () => {}, known);
    }
    for (const method of typeof methods === 'string' ? [methods] : methods) known.add(method);
  }

  /** The methods the routes of `url`'s path take (sorted), or undefined when no route has that path. */
  allowed(url: string): string[] | undefined {
    const query = url.indexOf('?');
    const found = this.#router.find('GET', query === -1 ? url : url.slice(0, query));
    return found === null ? undefined : [...(found.store as Set<string>)].sort();
  }
}
