import { closeOnSignal, runIfEntryPoint } from '@publisher/coordination';
import { changedSettings } from '@publisher/platform/env';
import { loggerOptions } from '@publisher/platform/logger';
import { startTracing } from '@publisher/telemetry';
import pino from 'pino';
import { loadRelayConfig, RELAY_VARIABLES } from './config.ts';
import { type RelayHandle, start } from './relay.ts';

/**
 * Runs the relay from the environment (see README) until SIGINT/SIGTERM.
 * @example
 * // node --import tsx services/kafka-relay/src/main.ts
 * await main();
 */
async function main(env: NodeJS.ProcessEnv = process.env): Promise<RelayHandle> {
  const config = loadRelayConfig(env);
  const logger = pino(loggerOptions(config, 'kafka-relay'));
  logger.info({ config: changedSettings(RELAY_VARIABLES, env) }, 'configuration');
  const tracing = config.telemetry.tracingEnabled
    ? startTracing({ service: 'publisher-kafka-relay', endpoint: config.telemetry.otlpEndpoint, asyncContext: false })
    : null;
  const relay = await start({ ...config, logger });
  closeOnSignal(logger, config.shutdownGraceMs, async () => {
    await relay.close();
    await tracing?.shutdown().catch(() => {});
  });
  return relay;
}

runIfEntryPoint(import.meta.url, main);
