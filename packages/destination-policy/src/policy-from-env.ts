import type { DestinationPolicy } from './destination-url.ts';

/**
 * The policy from ALLOW_PRIVATE_DESTINATIONS (`true`/`false`, default `false`), read the same way by
 * the command API and the worker. `true` is refused with NODE_ENV=production: a production worker
 * must never reach the network it runs in on a tenant's behalf. Throws `onInvalid(message)`.
 *
 * @example
 * const policy = destinationPolicyFromEnv(process.env, (m) => new ConfigError(m));
 */
export function destinationPolicyFromEnv(
  env: NodeJS.ProcessEnv,
  onInvalid: (message: string) => Error,
): DestinationPolicy {
  const value = env.ALLOW_PRIVATE_DESTINATIONS ?? 'false';
  if (value !== 'true' && value !== 'false') {
    throw onInvalid(`ALLOW_PRIVATE_DESTINATIONS must be true or false; got ${value}`);
  }
  if (value === 'true' && env.NODE_ENV === 'production') {
    throw onInvalid('ALLOW_PRIVATE_DESTINATIONS=true is refused with NODE_ENV=production');
  }
  return { allowPrivate: value === 'true' };
}
