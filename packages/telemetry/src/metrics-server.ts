import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { STATUS_UNAUTHORIZED, statusDetailsAllowed, statusRequestAllowed } from '@publisher/platform/status-access';
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

function statusServer(options: StatusServerOptions): Promise<MetricsServer> {
  const { metrics, health } = options;
  const routes = new Map(Object.entries(options.routes ?? {}));
  const access = { host: options.host, token: options.token ?? null };
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const { authorization } = req.headers;
    const route = req.method === 'GET' ? routes.get(path) : undefined;
    if (!statusRequestAllowed(access, path, authorization)) {
      res
        .writeHead(STATUS_UNAUTHORIZED.status, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' })
        .end(JSON.stringify(STATUS_UNAUTHORIZED.body));
    } else if (req.method === 'GET' && path === '/metrics' && metrics) {
      metrics.text().then(
        (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
        () => res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"metrics unavailable"}'),
      );
    } else if (req.method === 'GET' && path === '/health' && health) {
      // A health check that throws or rejects is an unhealthy service, not a crashed or hanging request.
      Promise.resolve()
        .then(health)
        .then(
          ({ ok, body }) => {
            // Without the token, /health says whether the service is up, not what it is doing.
            const shown = statusDetailsAllowed(access, authorization) ? body : { status: body.status };
            res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(shown));
          },
          () => res.writeHead(503, { 'content-type': 'application/json' }).end('{"status":"unavailable"}'),
        );
    } else if (route) {
      // As with health: a route that throws or rejects says the service cannot answer, not a crash.
      Promise.resolve()
        .then(route)
        .then(({ status, body }) => {
          const json = JSON.stringify(body);
          res.writeHead(status, { 'content-type': 'application/json' }).end(json);
        })
        .catch(() => {
          if (res.headersSent) res.destroy();
          else res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"unavailable"}');
        });
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    }
  });
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
 * A `metricsPort` (METRICS_PORT) moves `/metrics` to a server of its own (`serveMetrics`).
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
