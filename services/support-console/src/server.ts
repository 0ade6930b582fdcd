import { runIfEntryPoint } from '@publisher/coordination';
import { changedSettings, closeGracefully } from '@publisher/platform';
import { ServiceMetrics, serveMetrics } from '@publisher/telemetry';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { loadSupportConsoleConfig, SUPPORT_CONSOLE_VARIABLES, type SupportConsoleConfig } from './config.ts';

/** The app, plus METRICS_PORT's server when one is configured (the app then serves no `/metrics`). */
async function build(config: SupportConsoleConfig): Promise<FastifyInstance> {
  const metrics = config.telemetry.metricsEnabled ? new ServiceMetrics('support_console') : null;
  const app = await buildApp(config, {}, metrics);
  if (metrics && config.telemetry.metricsPort !== null) {
    const server = await serveMetrics(metrics, { host: config.host, port: config.telemetry.metricsPort });
    app.addHook('onClose', () => server.close());
  }
  return app;
}

/** Runs the console alone until SIGINT/SIGTERM. */
async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = loadSupportConsoleConfig(env);
  const app = await build(config);
  app.log.info({ config: changedSettings(SUPPORT_CONSOLE_VARIABLES, env) }, 'configuration');
  closeGracefully(app, config.shutdownGraceMs);
  await app.listen({ port: config.port, host: config.host });
  if (config.devSignIn) app.log.warn('development sign-in is on (the APIs use the development JWT secret)');
}

runIfEntryPoint(import.meta.url, main);
