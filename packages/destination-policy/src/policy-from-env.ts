import { ConfigError, envVar, NODE_ENV_VARIABLE, readEnv } from '@publisher/platform/env';
import type { DestinationPolicy } from './destination-url.ts';

/** ALLOW_PRIVATE_DESTINATIONS, read the same way by the command API and the worker. */
export const DESTINATION_POLICY_VARIABLES = { ALLOW_PRIVATE_DESTINATIONS: envVar.boolean(false) };

/**
 * The policy from ALLOW_PRIVATE_DESTINATIONS (`true`/`false`, default `false`). `true` is refused
 * with NODE_ENV=production: a production worker must never reach the network it runs in on a
 * tenant's behalf.
 * @throws ConfigError
 * @example
 * const policy = destinationPolicyFromEnv(process.env);
 */
export function destinationPolicyFromEnv(env: NodeJS.ProcessEnv): DestinationPolicy {
  const { ALLOW_PRIVATE_DESTINATIONS, NODE_ENV } = readEnv(
    { ...DESTINATION_POLICY_VARIABLES, NODE_ENV: NODE_ENV_VARIABLE },
    env,
  );
  if (ALLOW_PRIVATE_DESTINATIONS && NODE_ENV === 'production') {
    throw new ConfigError(
      'ALLOW_PRIVATE_DESTINATIONS=true is refused with NODE_ENV=production',
      'ALLOW_PRIVATE_DESTINATIONS',
    );
  }
  return { allowPrivate: ALLOW_PRIVATE_DESTINATIONS };
}
