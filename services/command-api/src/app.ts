import type { DeploymentState, PublishingRecordState } from '@publisher/domain';
import type { EventStore } from '@publisher/event-store';
import { API_PREFIX, createFastify, platform, type TypeBoxFastify } from '@publisher/platform';
import { fastifyTelemetry, ServiceMetrics } from '@publisher/telemetry';
import { createWebhookSecretStore, migrateWebhookSecrets } from '@publisher/webhook-secrets';
import type { FastifyPluginAsync, FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import type pg from 'pg';
import type { CommandApiConfig } from './config.ts';
import type { CommandApiDeps } from './deps.ts';
import { StateCache } from './handlers/state-cache.ts';
import { restoreResponseBody } from './idempotency/restore.ts';
import { createIdempotencyStore } from './idempotency/store.ts';
import { instrumentAppends } from './metrics.ts';
import deploymentRoutes from './routes/deployments/index.ts';
import publishingRecordRoutes from './routes/publishing-records/index.ts';
import rootActionRoutes from './routes/root-actions/index.ts';
import webhookSigningSecretRoutes from './routes/webhook-signing-secret/index.ts';
import { migrateCommandApi } from './schema.ts';
import { createSiteRegistry } from './sites/registry.ts';
import { registerStuckRecordMetrics } from './sweeper/metrics.ts';
import { createStuckRecordSweeper } from './sweeper/stuck-records.ts';

export interface CommandApiOptions {
  /** The event store (its schema already migrated). */
  store: EventStore;
  /** PostgreSQL pool for the API's own table (idempotency keys, migrated on registration). */
  pool: pg.Pool;
  config: CommandApiConfig;
  /** The clock; tests may fix it. */
  now?: () => Date;
  /** The registry `/metrics` serves (`main` shares it with the store); a new one by default. */
  metrics?: ServiceMetrics | null;
}

/**
 * The command API as a plugin: the platform (envelope, auth, rate limit, /docs, /health, /ready)
 * and every command route under /api/v1/publisher/. Tests mount it with `buildApp`.
 */
const commandApiPlugin: FastifyPluginAsync<CommandApiOptions> = async (fastify, opts) => {
  const { pool, config } = opts;
  const metrics =
    opts.metrics !== undefined
      ? opts.metrics
      : config.telemetry.metricsEnabled
        ? new ServiceMetrics('command_api')
        : null;
  const store = instrumentAppends(opts.store, metrics);
  await migrateCommandApi(pool);
  await migrateWebhookSecrets(pool);
  const idempotency = createIdempotencyStore(pool, {
    ttlHours: config.idempotencyTtlHours,
    maxResponseBytes: config.idempotencyMaxResponseBytes,
    restoreBody: (ref) => restoreResponseBody(store, ref),
  });
  const deps: CommandApiDeps = {
    store,
    idempotency,
    sites: createSiteRegistry(pool, config.siteRegistry),
    recordCache: new StateCache<PublishingRecordState>({
      maxEntries: config.stateCacheSize,
      maxBytes: config.stateCacheBytes,
    }),
    deploymentCache: new StateCache<DeploymentState>({
      maxEntries: config.stateCacheSize,
      maxBytes: config.stateCacheBytes,
    }),
    maxAttempts: config.maxCommandAttempts,
    destinationPolicy: config.destinationPolicy,
    now: opts.now ?? (() => new Date()),
  };

  await fastify.register(fastifyTelemetry, { metrics, serveMetrics: config.telemetry.metricsPort === null });
  await fastify.register(platform, {
    config,
    openapi: {
      title: 'Publisher command API',
      version: '1.0.0',
      description: 'Commands on publishing records and deployments. Every response uses the unified envelope.',
    },
    readiness: [
      { name: 'database', check: () => pool.query('SELECT 1') },
      { name: 'event_store', check: () => store.ping() },
    ],
    rateLimitPool: pool,
  });

  const purge = setInterval(() => {
    idempotency.purge().catch((err) => fastify.log.warn({ err }, 'idempotency purge failed'));
  }, 3600_000);
  purge.unref();
  fastify.addHook('onClose', async () => clearInterval(purge));

  const sweeper = createStuckRecordSweeper({
    pool,
    deps: { store, cache: deps.recordCache, maxAttempts: deps.maxAttempts, now: deps.now },
    timeoutMs: config.publishingTimeoutMs,
    intervalMs: config.stuckSweepIntervalMs,
    log: fastify.log,
    now: deps.now,
  });
  sweeper.start();
  fastify.addHook('onClose', () => sweeper.stop());
  fastify.decorate('stuckRecordSweeper', sweeper);
  if (metrics) registerStuckRecordMetrics(metrics, sweeper, config.publishingTimeoutMs);

  await fastify.register(
    async (api) => {
      api.addHook('onRequest', api.authenticate);
      await api.register(publishingRecordRoutes, { prefix: '/publishing-records', deps });
      await api.register(deploymentRoutes, { prefix: '/deployments', deps });
      await api.register(rootActionRoutes, { deps });
      await api.register(webhookSigningSecretRoutes, {
        prefix: '/webhook-signing-secret',
        secrets: createWebhookSecretStore(pool),
      });
    },
    { prefix: API_PREFIX },
  );
};

const commandApi = fp(commandApiPlugin, { name: '@publisher/command-api', fastify: '5.x' });

/**
 * Builds the command API (not listening) against a given store and pool.
 * @example
 * const app = await buildApp({ store, pool, config: loadCommandApiConfig({}) }, { logger: false });
 * const res = await app.inject({ method: 'POST', url: '/api/v1/publisher/publishing-records/', … });
 */
export async function buildApp(
  options: CommandApiOptions,
  server: Partial<FastifyServerOptions> = {},
): Promise<TypeBoxFastify> {
  const app = createFastify(options.config, server);
  await app.register(commandApi, options);
  await app.ready();
  return app;
}
