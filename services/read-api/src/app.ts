import { createFastify, platform } from '@publisher/platform';
import {
  createReadModelConnection,
  loadDeploymentDocuments,
  loadPublishingRecordDocuments,
  migrateReadModel,
  READ_MODELS_PROJECTION,
  type ReadModelConnection,
} from '@publisher/read-model';
import { fastifyTelemetry, ServiceMetrics } from '@publisher/telemetry';
import type { FastifyInstance, FastifyPluginAsync, FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import { Type } from 'typebox';
import { CheckpointWatcher } from './checkpoint-watcher.ts';
import type { ReadApiConfig } from './config.ts';
import type { ReadApiDeps } from './deps.ts';
import { READ_API_STATUS_BY_CODE } from './errors.ts';
import { LookupBatcher } from './lookup-batcher.ts';
import { registerReadApiMetrics } from './metrics.ts';
import { ResponseCache } from './response-cache.ts';
import deploymentRoutes from './routes/deployments.ts';
import publishingRecordRoutes from './routes/publishing-records.ts';
import siteRoutes from './routes/sites.ts';

export const API_PREFIX = '/api/v1/publisher';

export interface ReadApiOptions {
  config: ReadApiConfig;
  /** The read models' pool; opened from `config.databaseUrl` (and closed with the app) when absent. */
  connection?: ReadModelConnection;
  /** The registry `/metrics` serves; a new one by default (none with METRICS_ENABLED=false). */
  metrics?: ServiceMetrics | null;
}

const ProjectionStatus = Type.Object({
  success: Type.Literal(true),
  data: Type.Object({
    projection: Type.String(),
    position: Type.Union([Type.String(), Type.Null()]),
    updated_at: Type.Union([Type.String(), Type.Null()]),
    stopped: Type.Union([
      Type.Object({
        at: Type.String(),
        event_id: Type.String(),
        event_type: Type.String(),
        position: Type.String(),
        reason: Type.String(),
      }),
      Type.Null(),
    ]),
    response_cache: Type.Object({
      /** Cached answers are current as of this checkpoint (announced by the projector's notices). */
      position: Type.Union([Type.String(), Type.Null()]),
      entries: Type.Integer(),
      bytes: Type.Integer(),
      max_bytes: Type.Integer(),
      hits: Type.Integer(),
      misses: Type.Integer(),
    }),
  }),
  request_id: Type.String(),
});

/**
 * The read API as a plugin: the platform (envelope, auth, rate limit, /docs, /health, /ready) and
 * the read routes under /api/v1/publisher/, plus `GET /status` (the projection's checkpoint, if a
 * poison event stopped it which event, and the response cache's size and hit counts).
 */
const readApiPlugin: FastifyPluginAsync<ReadApiOptions> = async (fastify, opts) => {
  const { config } = opts;
  const connection =
    opts.connection ??
    createReadModelConnection({
      connectionString: config.databaseUrl ?? '',
      max: config.databasePoolSize,
      applicationName: 'publisher-read-api',
      onPoolError: (err) => fastify.log.warn({ err }, 'idle database connection lost'),
    });
  if (!opts.connection) fastify.addHook('onClose', async () => connection.close());
  await migrateReadModel(connection.pool, { logger: fastify.log });

  const watcher = new CheckpointWatcher({
    db: connection.db,
    connectionString: config.databaseUrl,
    logger: fastify.log.child({ component: 'checkpoint-watcher' }),
  });
  await watcher.start();
  fastify.addHook('onClose', async () => watcher.close());
  const cache = new ResponseCache(config.cacheMaxBytes);
  watcher.onChange((position, accounts) => cache.changed(position, accounts));
  const deps: ReadApiDeps = {
    db: connection.db,
    watcher,
    cache,
    records: new LookupBatcher((ids) => loadPublishingRecordDocuments(connection.pool, ids)),
    deployments: new LookupBatcher((ids) => loadDeploymentDocuments(connection.pool, ids)),
    minPositionTimeoutMs: config.minPositionTimeoutMs,
  };

  const metrics =
    opts.metrics !== undefined ? opts.metrics : config.telemetry.metricsEnabled ? new ServiceMetrics('read_api') : null;
  if (metrics) registerReadApiMetrics(metrics, { cache, watcher });
  await fastify.register(fastifyTelemetry, { metrics, serveMetrics: config.telemetry.metricsPort === null });
  await fastify.register(platform, {
    config,
    openapi: {
      title: 'Publisher read API',
      version: '1.0.0',
      description:
        'Tenant-scoped reads of publishing records and deployments. Send `min_position` (or `X-Min-Position`) with the `X-Position` of a command response to read your own writes.',
    },
    readiness: [
      { name: 'database', check: () => connection.pool.query('SELECT 1') },
      {
        name: 'projection',
        check: async () => {
          await watcher.refresh();
          const stop = watcher.stop;
          if (stop) {
            throw new Error(
              `projection stopped at event ${stop.event_id} (${stop.event_type}) at position ${stop.position}: ${stop.reason}`,
            );
          }
        },
      },
    ],
    statusByCode: READ_API_STATUS_BY_CODE,
  });

  fastify.get(
    '/status',
    { config: { rateLimit: false }, schema: { hide: true, response: { 200: ProjectionStatus } } },
    async (request) => {
      await watcher.refresh().catch(() => {});
      return {
        success: true as const,
        data: {
          projection: READ_MODELS_PROJECTION,
          position: watcher.position,
          updated_at: watcher.updatedAt,
          stopped: watcher.stop,
          response_cache: { position: watcher.announced, ...cache.stats() },
        },
        request_id: request.id,
      };
    },
  );

  await fastify.register(
    async (api) => {
      api.addHook('onRequest', api.authenticate);
      await api.register(publishingRecordRoutes, { prefix: '/publishing-records', deps });
      await api.register(deploymentRoutes, { prefix: '/deployments', deps });
      await api.register(siteRoutes, { prefix: '/sites', deps });
    },
    { prefix: API_PREFIX },
  );
};

export const readApi = fp(readApiPlugin, { name: '@publisher/read-api', fastify: '5.x' });

/**
 * Builds the read API (not listening).
 * @example
 * const app = await buildApp({ config: loadReadApiConfig({ DATABASE_URL: url }) }, { logger: false });
 * const res = await app.inject({ method: 'GET', url: '/api/v1/publisher/deployments/', headers: { authorization } });
 * await app.close();
 */
export async function buildApp(
  options: ReadApiOptions,
  server: Partial<FastifyServerOptions> = {},
): Promise<FastifyInstance> {
  const app = createFastify(options.config, server);
  await app.register(readApi, options);
  await app.ready();
  return app;
}
