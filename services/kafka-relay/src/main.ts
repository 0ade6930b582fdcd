import { runService } from '@publisher/telemetry';
import { loadRelayConfig, RELAY_VARIABLES } from './config.ts';
import { start } from './relay.ts';

// pnpm exec tsx services/kafka-relay/src/main.ts: the relay from the environment (see README) until SIGINT/SIGTERM.
runService(import.meta.url, {
  name: 'kafka-relay',
  variables: RELAY_VARIABLES,
  load: loadRelayConfig,
  start: (config, logger) => start({ ...config, logger }),
});
