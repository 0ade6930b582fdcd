import { requireDatabaseUrl } from '@publisher/platform';
import { runService, ServiceMetrics, serveMetrics } from '@publisher/telemetry';
import { buildApp } from './app.ts';
import { loadReadApiConfig, READ_API_VARIABLES } from './config.ts';

// The read API alone until SIGINT/SIGTERM (graceful: in-flight requests finish). With METRICS_PORT
// set, `/metrics` is served there and not by the app.
runService(import.meta.url, {
  name: 'read-api',
  variables: READ_API_VARIABLES,
  load: loadReadApiConfig,
  async start(config, log) {
    requireDatabaseUrl(config.databaseUrl);
    const { telemetry } = config;
    const metrics = telemetry.metricsEnabled ? new ServiceMetrics('read_api') : null;
    const app = await buildApp({ config, metrics }, { loggerInstance: log });
    const metricsServer =
      metrics && telemetry.metricsPort !== null
        ? await serveMetrics(metrics, { host: config.host, port: telemetry.metricsPort })
        : null;
    await app.listen({ port: config.port, host: config.host });
    return {
      async close() {
        await app.close();
        await metricsServer?.close();
      },
    };
  },
});
