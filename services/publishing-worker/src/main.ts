import { runService } from '@publisher/telemetry';
import { loadWorkerConfig, WORKER_VARIABLES } from './config.ts';
import { start } from './worker.ts';

// KAFKA_BROKERS=127.0.0.1:9092 pnpm exec tsx services/publishing-worker/src/main.ts: the worker
// from the environment (see README) until SIGINT/SIGTERM.
runService(import.meta.url, {
  name: 'publishing-worker',
  variables: WORKER_VARIABLES,
  load: loadWorkerConfig,
  async start({ warnings, ...config }, logger) {
    for (const warning of warnings) logger.warn(warning);
    return start({ ...config, logger });
  },
  // Its command calls start spans deep inside a delivery's handling.
  asyncContext: true,
});
