import { type EventStore, openEventStoreAtStart } from '@publisher/event-store';
import {
  API_PREFIX,
  canReadAnyAccount,
  createFastify,
  errorResponses,
  httpError,
  loggerOptions,
  platform,
  retryWhileUnavailable,
  success,
  type TypeBoxFastify,
} from '@publisher/platform';
import {
  accessLogWriter,
  createReadModelConnection,
  migrateReadModel,
  READ_MODELS_PROJECTION,
  type ReadModelConnection,
} from '@publisher/read-model';
import { fastifyTelemetry, ServiceMetrics } from '@publisher/telemetry';
import type { FastifyInstance, FastifyPluginAsync, FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import { pino } from 'pino';
import { CheckpointWatcher } from './checkpoint-watcher.ts';
import type { ReadApiConfig } from './config.ts';
import type { ReadApiDeps } from './deps.ts';
import { StreamReader } from './history/stream-cache.ts';
import { registerReadApiMetrics } from './metrics.ts';
import { ResponseCache } from './response-cache.ts';
import auditRoutes from './routes/audit.ts';
import deploymentRoutes from './routes/deployments.ts';
import historyRoutes from './routes/history.ts';
import publishingRecordRoutes from './routes/publishing-records.ts';
import siteRoutes from './routes/sites.ts';
import { ProjectionStatus } from './schemas.ts';

export interface ReadApiOptions {
  config: ReadApiConfig;
  /** The read models' pool; opened from `config.databaseUrl` (and closed with the app) when absent. */
  connection?: ReadModelConnection;
  /**
   * The event store: history and as-of reads come from its streams, and its committed head tells a
   * `min_position` never to be reached from one not projected yet. Opened as `config.eventStore`
   * selects (and closed with the app) when absent.
   */
  store?: Pick<EventStore, 'committedHeadPosition' | 'readStream'>;
  /** The registry `/metrics` serves; a new one by default (none with METRICS_ENABLED=false). */
  metrics?: ServiceMetrics | null;
}

/**
 * The read API as a plugin: the platform (envelope, auth, rate limit, /docs, /health, /ready), the
 * read routes under /api/v1/publisher/, and `GET /status` for operators (a privileged token): the
 * projection's checkpoint, which event stopped it if a poison event did, and the response cache.
 */
const readApiPlugin: FastifyPluginAsync<ReadApiOptions> = async (fastify, opts) => {
  const { config } = opts;
  const connection =
    opts.connection ??
    createReadModelConnection({
      connectionString: config.databaseUrl ?? '',
      max: config.databasePoolSize,
      applicationName: 'publisher-read-api',
      timeouts: config.database,
      onPoolError: (err) => fastify.log.warn({ err }, 'idle database connection lost'),
    });
  if (!opts.connection) fastify.addHook('onClose', async () => connection.close());
  await retryWhileUnavailable(fastify.log, 'read model migration', () =>
    migrateReadModel(connection.pool, { logger: fastify.log }),
  );
  const store = opts.store ?? (await ownEventStore(config, fastify));

  const watcher = new CheckpointWatcher({
    db: connection.db,
    connectionString: config.databaseUrl,
    logger: fastify.log.child({ component: 'checkpoint-watcher' }),
  });
  await watcher.start();
  fastify.addHook('onClose', async () => watcher.close());
  const cache = new ResponseCache(config.cacheMaxBytes);
  watcher.onChange((position, accounts) => cache.changed(position, accounts));
  const metrics =
    opts.metrics !== undefined ? opts.metrics : config.telemetry.metricsEnabled ? new ServiceMetrics('read_api') : null;
  const observeWait = metrics ? registerReadApiMetrics(metrics, cache) : undefined;
  const deps: ReadApiDeps = {
    db: connection.db,
    reader: connection.reader,
    watcher,
    cache,
    wait: {
      watcher,
      log: store,
      timeoutMs: config.minPositionTimeoutMs,
      headCheckAfterMs: Math.min(500, config.minPositionTimeoutMs),
      observe: observeWait,
    },
    streams: new StreamReader(store, config.streamCacheEvents),
    accessLog: accessLogWriter(connection.db),
  };

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
    rateLimitPool: connection.pool,
  });

  await fastify.register(async (ops) => {
    ops.addHook('onRequest', ops.authenticate);
    ops.get(
      '/status',
      {
        config: { rateLimit: false },
        schema: { hide: true, response: { 200: ProjectionStatus, ...errorResponses([401, 403, 503]) } },
      },
      async (request) => {
        // It names the event that stopped the projection and why: for operators, not tenants.
        if (!canReadAnyAccount(request.principal)) throw httpError('ROLE_FORBIDDEN', 'GET /status is for operators');
        await watcher.refresh().catch(() => {});
        return success(request, {
          projection: READ_MODELS_PROJECTION,
          position: watcher.position,
          updated_at: watcher.updatedAt,
          stopped: watcher.stop,
          response_cache: { position: watcher.announced, ...cache.stats() },
        });
      },
    );
  });

  await fastify.register(
    async (api) => {
      api.addHook('onRequest', api.authenticate);
      await api.register(publishingRecordRoutes, { prefix: '/publishing-records', deps });
      await api.register(deploymentRoutes, { prefix: '/deployments', deps });
      await api.register(siteRoutes, { prefix: '/sites', deps });
      await api.register(historyRoutes, { deps });
      await api.register(auditRoutes, { prefix: '/audit', deps });
    },
    { prefix: API_PREFIX },
  );
};

/** The event store history and as-of reads come from, with a small pool of its own; closed with the app. */
async function ownEventStore(config: ReadApiConfig, fastify: FastifyInstance): Promise<EventStore> {
  // The read API may start before the command API has created the store's schema: this creates it.
  const store = await openEventStoreAtStart(fastify.log, config.eventStore, {
    connectionString: config.databaseUrl ?? '',
    poolSize: config.eventStorePoolSize,
    applicationName: 'publisher-read-api-store',
    connectionTimeoutMs: config.database.connectTimeoutMs,
    statementTimeoutMs: config.database.statementTimeoutMs,
    queryTimeoutMs: config.database.queryTimeoutMs,
    // Its own pino logger (the store takes pino's type, not Fastify's logger interface).
    logger: pino(loggerOptions(config, 'read-api')).child({ component: 'event-store' }),
  });
  fastify.addHook('onClose', async () => store.close());
  return store;
}

const readApi = fp(readApiPlugin, { name: '@publisher/read-api', fastify: '5.x' });

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
): Promise<TypeBoxFastify> {
  // The plugin waits for PostgreSQL at start (`retryWhileUnavailable`, bounded by its attempts), which
  // can take longer than Fastify's 10 s for a plugin to load.
  const app = createFastify(options.config, { pluginTimeout: 0, ...server });
  await app.register(readApi, options);
  await app.ready();
  return app;
}
