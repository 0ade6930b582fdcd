import { closeOnSignal, runIfEntryPoint } from '@publisher/coordination';
import { changedSettings } from '@publisher/platform/env';
import { loggerOptions } from '@publisher/platform/logger';
import { startTracing } from '@publisher/telemetry';
import pino from 'pino';
import { loadWorkerConfig, WORKER_VARIABLES } from './config.ts';
import { start, type WorkerHandle } from './worker.ts';

/**
 * Runs the worker from the environment (see README) until SIGINT/SIGTERM.
 * @example
 * // KAFKA_BROKERS=127.0.0.1:9092 node --import tsx services/publishing-worker/src/main.ts
 * await main();
 */
async function main(env: NodeJS.ProcessEnv = process.env): Promise<WorkerHandle> {
  const { warnings, ...config } = loadWorkerConfig(env);
  const logger = pino(loggerOptions(config, 'publishing-worker'));
  logger.info({ config: changedSettings(WORKER_VARIABLES, env) }, 'configuration');
  for (const warning of warnings) logger.warn(warning);
  const tracing = config.telemetry.tracingEnabled
    ? startTracing({ service: 'publisher-publishing-worker', endpoint: config.telemetry.otlpEndpoint })
    : null;
  const worker = await start({ ...config, logger });
  closeOnSignal(logger, config.shutdownGraceMs, async () => {
    await worker.close();
    await tracing?.shutdown().catch(() => {});
  });
  return worker;
}

runIfEntryPoint(import.meta.url, main);
