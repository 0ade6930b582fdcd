import { runService, ServiceMetrics, serveMetrics } from '@publisher/telemetry';
import { buildApp } from './app.ts';
import { loadSupportConsoleConfig, SUPPORT_CONSOLE_VARIABLES } from './config.ts';

// The console alone until SIGINT/SIGTERM. With METRICS_PORT set, `/metrics` is served there and not
// by the app.
runService(import.meta.url, {
  name: 'support-console',
  variables: SUPPORT_CONSOLE_VARIABLES,
  load: loadSupportConsoleConfig,
  async start(config, log) {
    const { telemetry } = config;
    const metrics = telemetry.metricsEnabled ? new ServiceMetrics('support_console') : null;
    const app = await buildApp(config, { loggerInstance: log }, metrics);
    const metricsServer = await serveMetrics(metrics, { host: config.host, port: telemetry.metricsPort });
    await app.listen({ port: config.port, host: config.host });
    if (config.devSignIn) log.warn('development sign-in is on (the APIs use the development JWT secret)');
    return {
      async close() {
        await app.close();
        await metricsServer?.close();
      },
    };
  },
});
