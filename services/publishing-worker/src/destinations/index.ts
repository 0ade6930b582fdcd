import type { DestinationAdapter } from './types.ts';

export { createOutboundHttp } from './http.ts';
export type { DestinationAdapter } from './types.ts';
export { createWebhookAdapter, type SigningSecretsOf } from './webhook.ts';
export {
  createWordPressAdapter,
  credentialKey,
  type WordPressCredential,
  type WordPressCredentials,
} from './wordpress.ts';

/** Adapters by `destination` name. */
export type Destinations = ReadonlyMap<string, DestinationAdapter>;

/** @example const destinations = destinationsOf([webhook, wordpress]); destinations.get('webhook') */
export function destinationsOf(adapters: DestinationAdapter[]): Destinations {
  return new Map(adapters.map((a) => [a.name, a]));
}
