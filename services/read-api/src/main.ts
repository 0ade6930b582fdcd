import { defaultV8Flag } from '@publisher/coordination';
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
    // V8 allocates an allocation site's objects in the old space once nearly all of them survive a
    // young collection, and under load a per-request site qualifies. Objects there keep the young
    // strings they point at (a page's JSON, a row's document) alive past young collections until
    // the next full one: uncached list pages would be promoted to the old space several times as
    // often, and the full collections' pauses would set their p99 (`BENCHMARKS.md`). Measure: `BENCH_BASELINE=.
    // BENCH_BASELINE_NODE_ARGS=--allocation-site-pretenuring pnpm bench:reads` (`-uncached` variants).
    defaultV8Flag('--no-allocation-site-pretenuring');
    requireDatabaseUrl(config.databaseUrl);
    const { telemetry } = config;
    const metrics = telemetry.metricsEnabled ? new ServiceMetrics('read_api') : null;
    const app = await buildApp({ config, metrics }, { loggerInstance: log });
    const metricsServer = await serveMetrics(metrics, { host: config.host, port: telemetry.metricsPort });
    await app.listen({ port: config.port, host: config.host });
    return {
      async close() {
        await app.close();
        await metricsServer?.close();
      },
    };
  },
});
