import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  STATUS_UNAUTHORIZED,
  statusClientErrors,
  statusDetailsAllowed,
  statusError,
  statusRequestAllowed,
} from '@publisher/platform/status-access';
import type { ServiceMetrics } from './metrics.ts';

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** What a status server's `/health` answers: 200 when `ok`, else 503; `body` in full with the token. */
export interface StatusHealth {
  ok: boolean;
  body: { status: string; [detail: string]: unknown };
}

/** What one of a status server's own routes answers: `body` as JSON, with HTTP `status`. */
export interface StatusReply {
  status: number;
  body: unknown;
}

/** A status server's own `GET` routes, by path (`/ready`, `/status`, …), each answering JSON. */
export type StatusRoutes = Record<string, () => StatusReply | Promise<StatusReply>>;

/**
 * A bare HTTP server answering `GET /metrics` (and nothing else) on `host:port`: what METRICS_PORT
 * starts, so an API exposed publicly can keep its metrics on a private port. None (null) without
 * metrics (METRICS_ENABLED=false) or without a port (METRICS_PORT unset).
 * @example
 * const server = await serveMetrics(metrics, { host: '127.0.0.1', port: 9464 });
 * const maybe = await serveMetrics(metrics, { host: config.host, port: config.telemetry.metricsPort });
 */
export function serveMetrics(metrics: ServiceMetrics, options: { host: string; port: number }): Promise<MetricsServer>;
export function serveMetrics(
  metrics: ServiceMetrics | null,
  options: { host: string; port: number | null },
): Promise<MetricsServer | null>;
export async function serveMetrics(
  metrics: ServiceMetrics | null,
  { host, port }: { host: string; port: number | null },
): Promise<MetricsServer | null> {
  if (metrics === null || port === null) return null;
  return statusServer({ host, port, token: null, metrics, health: null });
}

/** The options of a status server (`serveStatus`) on one port. */
interface StatusServerOptions {
  host: string;
  port: number;
  /** Bearer token required on every path but /health (STATUS_TOKEN); null or absent: none. */
  token?: string | null;
  /** Served at `/metrics`; null: no `/metrics` here (METRICS_ENABLED=false, or METRICS_PORT). */
  metrics: ServiceMetrics | null;
  /** Served at `/health`; null: no `/health` here. */
  health: (() => StatusHealth | Promise<StatusHealth>) | null;
  /**
   * More `GET` paths answering JSON, under the same token rule (a route at `/health` needs none,
   * and answers in full: it stands for `health`, which is then null).
   */
  routes?: StatusRoutes;
}

/** Writes a JSON answer: `body` with HTTP `status`. */
function reply(res: http.ServerResponse, { status, body }: StatusReply, headers?: Record<string, string>): void {
  const json = JSON.stringify(body); // first: a body that cannot be serialised throws before any header is sent
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(json);
}

/**
 * Answers what `produce` resolves to; one that throws, rejects or cannot be serialised says the
 * service cannot answer (`failure`), not a crashed or hanging request.
 */
function replyWith(res: http.ServerResponse, produce: () => StatusReply | Promise<StatusReply>, failure: StatusReply) {
  Promise.resolve()
    .then(produce)
    .then((answer) => reply(res, answer))
    .catch(() => {
      if (res.headersSent) res.destroy();
      else reply(res, failure);
    });
}

function statusServer(options: StatusServerOptions): Promise<MetricsServer> {
  const { metrics, health } = options;
  const routes = new Map(Object.entries(options.routes ?? {}));
  // Every path this server answers, all with GET: another method on one is a 405, as on the APIs.
  const paths = new Set([...routes.keys(), ...(metrics ? ['/metrics'] : []), ...(health ? ['/health'] : [])]);
  const access = { host: options.host, token: options.token ?? null };
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const { authorization } = req.headers;
    const route = req.method === 'GET' ? routes.get(path) : undefined;
    if (!statusRequestAllowed(access, path, authorization)) {
      reply(res, STATUS_UNAUTHORIZED, { 'www-authenticate': 'Bearer' });
    } else if (req.method === 'GET' && path === '/metrics' && metrics) {
      metrics.text().then(
        (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
        () => reply(res, statusError('INTERNAL_ERROR', 'the metrics could not be collected')),
      );
    } else if (req.method === 'GET' && path === '/health' && health) {
      replyWith(
        res,
        async () => {
          const { ok, body } = await health();
          // Without the token, /health says whether the service is up, not what it is doing.
          return {
            status: ok ? 200 : 503,
            body: statusDetailsAllowed(access, authorization) ? body : { status: body.status },
          };
        },
        statusError('NOT_READY', 'the health check failed'),
      );
    } else if (route) {
      replyWith(res, route, statusError('NOT_READY', `${path} could not be answered`));
    } else if (paths.has(path)) {
      reply(res, statusError('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}; it takes GET`), {
        allow: 'GET',
      });
    } else {
      // The path alone (the query string may carry what should not be echoed), bounded as on the APIs.
      reply(res, statusError('ROUTE_NOT_FOUND', `route ${req.method} ${path.slice(0, 200)} not found`));
    }
  });
  // A request Node's parser refuses is answered in the envelope as on the APIs, not with Node's bare 400.
  server.on('clientError', statusClientErrors());
  return listen(server, options);
}

/** The servers `serveStatus` started. */
export interface StatusServers {
  /** The status server's port; null when none runs. */
  port: number | null;
  /** The port `/metrics` answers on (METRICS_PORT's server, or the status server's); null when not served. */
  metricsPort: number | null;
  /** Closes both. */
  close(): Promise<void>;
}

/**
 * The status server of the projector, the relay and the worker on `host:port` (none when `port` is
 * null): `GET /health` (JSON, from `health`), `GET /metrics` (Prometheus text) and the service's own
 * JSON `routes`. With a token (STATUS_TOKEN), every path but `/health` needs
 * `Authorization: Bearer <token>`, and `/health` (from `health`) without it answers only `{ status }`.
 * A `metricsPort` (METRICS_PORT) moves `/metrics` to a server of its own (`serveMetrics`). Every
 * error is the APIs' envelope with its code's status (`statusError`): 401 `STATUS_TOKEN_REQUIRED`,
 * 404 `ROUTE_NOT_FOUND`, 405 `METHOD_NOT_ALLOWED` (one of its paths with another method than GET),
 * 503 `NOT_READY` (a health check or route that throws), 500 `INTERNAL_ERROR` (metrics not
 * collected), and what Node's parser refuses as the APIs answer it (`statusClientErrors`).
 * @example
 * await serveStatus({ host, port, token, metrics, health: () => ({ ok: true, body: { status: 'ok' } }) });
 * await serveStatus({ host, port, metrics, metricsPort: 9464, health: null, routes: { '/ready': () => ({ status: 200, body: {} }) } });
 */
export async function serveStatus(
  options: Omit<StatusServerOptions, 'port'> & { port: number | null; metricsPort?: number | null },
): Promise<StatusServers> {
  const { port, metrics, metricsPort = null, ...status } = options;
  const server =
    port === null ? null : await statusServer({ ...status, port, metrics: metricsPort === null ? metrics : null });
  let metricsServer: MetricsServer | null = null;
  try {
    metricsServer = await serveMetrics(metrics, { host: status.host, port: metricsPort });
  } catch (err) {
    await server?.close();
    throw err;
  }
  return {
    port: server?.port ?? null,
    metricsPort: metricsServer?.port ?? (metrics && server ? server.port : null),
    async close() {
      await server?.close();
      await metricsServer?.close();
    },
  };
}

/**
 * Listens on `host:port` (0: any free port); `close()` also ends kept-alive connections, so a
 * scraper's open connection never holds a shutdown.
 * @example
 * const { port, close } = await listen(http.createServer(handler), { host: '127.0.0.1', port: 0 });
 */
export async function listen(server: http.Server, options: { host: string; port: number }): Promise<MetricsServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
