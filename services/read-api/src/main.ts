import { runIfEntryPoint } from '@publisher/coordination';
import { ConfigError, changedSettings, closeGracefully, loggerOptions } from '@publisher/platform';
import { ServiceMetrics, serveMetrics, startTracing } from '@publisher/telemetry';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from './app.ts';
import { loadReadApiConfig, READ_API_VARIABLES, type ReadApiConfig } from './config.ts';

/** How this service names itself in logs (`service`) and traces (`service.name`). */
const SERVICE = 'read-api';

/**
 * The app, plus the METRICS_PORT server when one is configured (the app then serves no `/metrics`).
 */
async function build(config: ReadApiConfig): Promise<FastifyInstance> {
  const metrics = config.telemetry.metricsEnabled ? new ServiceMetrics('read_api') : null;
  const app = await buildApp({ config, metrics }, { loggerInstance: pino(loggerOptions(config, SERVICE)) });
  const metricsServer =
    metrics && config.telemetry.metricsPort !== null
      ? await serveMetrics(metrics, { host: config.host, port: config.telemetry.metricsPort })
      : null;
  if (metricsServer) app.addHook('onClose', () => metricsServer.close());
  return app;
}

/** Runs the read API alone until SIGINT/SIGTERM (graceful: in-flight requests finish). */
async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = loadReadApiConfig(env);
  if (!config.databaseUrl)
    throw new ConfigError('DATABASE_URL is required (pnpm start provides an embedded PostgreSQL)', 'DATABASE_URL');
  const tracing = config.telemetry.tracingEnabled
    ? startTracing({ service: `publisher-${SERVICE}`, endpoint: config.telemetry.otlpEndpoint, asyncContext: false })
    : null;
  const app = await build(config);
  app.log.info({ config: changedSettings(READ_API_VARIABLES, env) }, 'configuration');
  closeGracefully(app, config.shutdownGraceMs, async () => {
    await tracing?.shutdown();
  });
  await app.listen({ port: config.port, host: config.host });
}

runIfEntryPoint(import.meta.url, main);
