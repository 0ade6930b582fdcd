import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServiceMetrics } from './metrics.ts';

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * A bare HTTP server answering `GET /metrics` (and nothing else) on `host:port`: what METRICS_PORT
 * starts, so an API exposed publicly can keep its metrics on a private port.
 * @example
 * const server = await serveMetrics(metrics, { host: '127.0.0.1', port: 9464 });
 */
export async function serveMetrics(
  metrics: ServiceMetrics,
  options: { host: string; port: number },
): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    answerMetrics(metrics, res);
  });
  return listen(server, options);
}

/**
 * Answers a scrape on a bare `node:http` response (the status servers of the relay and the worker).
 * @example
 * if (path === '/metrics') return answerMetrics(metrics, res);
 */
export function answerMetrics(metrics: ServiceMetrics, res: http.ServerResponse): void {
  metrics.text().then(
    (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
    () => res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"metrics unavailable"}'),
  );
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
