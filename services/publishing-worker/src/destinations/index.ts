import type { DestinationAdapter } from './types.ts';

export type { DeliveryContext, DeliveryResult, DestinationAdapter } from './types.ts';
export { createWebhookAdapter, signWebhook, verifyWebhook, type WebhookPayload } from './webhook.ts';
export { createWordPressAdapter, type WordPressCredentials, type WordPressOptions } from './wordpress.ts';

/** Adapters by `destination` name. */
export type Destinations = ReadonlyMap<string, DestinationAdapter>;

/** @example const destinations = destinationsOf([webhook, wordpress]); destinations.get('webhook') */
export function destinationsOf(adapters: DestinationAdapter[]): Destinations {
  return new Map(adapters.map((a) => [a.name, a]));
}
