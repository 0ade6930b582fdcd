import { STATUS_UNAUTHORIZED_BODY, statusRequestAllowed } from '@publisher/platform/status-access';
import type { ServiceMetrics } from '@publisher/telemetry';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { Projector } from './projector.ts';

/**
 * The projector's own small HTTP server, on STATUS_HOST (loopback by default); with a token
 * (STATUS_TOKEN), every path but `/health` requires `Authorization: Bearer <token>`:
 * - `GET /health`: the process is alive;
 * - `GET /ready`: 200 unless the projection is stopped by a poison event (then 503 naming it);
 *   a standby instance is ready (it is healthy and waiting to take over);
 * - `GET /status`: the status as JSON;
 * - `GET /metrics`: Prometheus text (see `metrics.ts`), unless METRICS_ENABLED=false.
 * @example
 * const server = await startStatusServer(projector, { host: '127.0.0.1', port: 3002, logger });
 */
export async function startStatusServer(
  projector: Projector,
  options: { host: string; port: number; token?: string | null; logger: Logger; metrics: ServiceMetrics | null },
): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: options.logger.child({ component: 'status-server' }) as FastifyBaseLogger,
    // Probes every few seconds would flood the log. (Fastify 5.8 deprecated the top-level option.)
    logController: new LogController({ disableRequestLogging: true }),
  });
  const access = { host: options.host, token: options.token ?? null };
  app.addHook('onRequest', (request, reply, done) => {
    if (statusRequestAllowed(access, request.url.split('?')[0] ?? '', request.headers.authorization)) return done();
    reply.code(401).header('www-authenticate', 'Bearer').type('application/json').send(STATUS_UNAUTHORIZED_BODY);
  });
  app.get('/health', async () => ({ success: true, data: { status: 'ok' } }));
  app.get('/ready', async (_request, reply) => {
    const s = projector.status();
    if (s.state === 'stopped' || s.state === 'closed') {
      return reply.code(503).send({
        success: false,
        code: s.state === 'stopped' ? 'PROJECTION_STOPPED' : 'NOT_READY',
        error:
          s.stop === null
            ? `projection ${s.projection} is ${s.state}`
            : `projection ${s.projection} stopped at event ${s.stop.event_id} (${s.stop.event_type}) at position ${s.stop.position}: ${s.stop.reason}`,
        stop: s.stop,
      });
    }
    return { success: true, data: { status: 'ready', state: s.state } };
  });
  app.get('/status', async () => ({ success: true, data: projector.status() }));
  const { metrics } = options;
  if (metrics)
    app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.text()));
  await app.listen({ host: options.host, port: options.port });
  return app;
}
