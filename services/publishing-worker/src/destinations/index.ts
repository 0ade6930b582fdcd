import type { DestinationAdapter } from './types.ts';

export { createOutboundHttp, describeStatus, type HttpResult, type OutboundHttp } from './http.ts';
export type { DeliveryContext, DeliveryResult, DestinationAdapter } from './types.ts';
export {
  createWebhookAdapter,
  LEGACY_DELIVERY_HEADER,
  LEGACY_SIGNATURE_HEADER,
  LEGACY_TIMESTAMP_HEADER,
  type SigningSecretsOf,
  type WebhookPayload,
} from './webhook.ts';
export {
  createWordPressAdapter,
  credentialKey,
  type WordPressCredential,
  type WordPressCredentials,
  type WordPressOptions,
} from './wordpress.ts';

/** Adapters by `destination` name. */
export type Destinations = ReadonlyMap<string, DestinationAdapter>;

/** @example const destinations = destinationsOf([webhook, wordpress]); destinations.get('webhook') */
export function destinationsOf(adapters: DestinationAdapter[]): Destinations {
  return new Map(adapters.map((a) => [a.name, a]));
}
