import { pathToFileURL } from 'node:url';
import { changedSettings } from '@publisher/platform/env';
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
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<RelayHandle> {
  const config = loadRelayConfig(env);
  const logger = pino({ level: config.logLevel, base: { service: 'kafka-relay', pid: process.pid } });
  logger.info({ config: changedSettings(RELAY_VARIABLES, env) }, 'configuration');
  const tracing = config.telemetry.tracingEnabled
    ? startTracing({ service: 'publisher-kafka-relay', endpoint: config.telemetry.otlpEndpoint, asyncContext: false })
    : null;
  const relay = await start({ ...config, logger });
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping kafka relay');
    relay.close().then(
      async () => {
        await tracing?.shutdown().catch(() => {});
        process.exit(0);
      },
      (err) => {
        logger.error({ err }, 'kafka relay did not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  return relay;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
