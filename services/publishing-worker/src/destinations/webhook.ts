import { createHmac } from 'node:crypto';
import type { PublishingRecordRepresentation } from '@publisher/contracts';
import {
  signStandardWebhook,
  WEBHOOK_ID_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
} from '@publisher/webhook-secrets';
import { DeliveryError } from '../errors.ts';
import { describeStatus, isHttpUrl, type OutboundHttp } from './http.ts';
import type { DeliveryContext, DeliveryResult, DestinationAdapter } from './types.ts';

// Sent for one release beside Standard Webhooks' headers; receivers verify `webhook-signature` instead.
const LEGACY_SIGNATURE_HEADER = 'x-publisher-signature';
const LEGACY_TIMESTAMP_HEADER = 'x-publisher-timestamp';
const LEGACY_DELIVERY_HEADER = 'x-publisher-delivery';

/**
 * What a webhook receives (JSON). `delivery_id` (= `webhook-id`) is the record's id, the same for
 * every attempt: Standard Webhooks keeps a message's id when it is resent after a failure, so a
 * receiver that took an attempt the worker saw fail (a timeout, a connection lost after the body)
 * drops the retry; `attempt` tells attempts apart.
 */
interface WebhookPayload {
  type: 'publisher.publish';
  delivery_id: string;
  record_id: string;
  attempt: number;
  content_id: number;
  account_id: number;
  site_id: number;
  sector_id: number;
  metadata: Record<string, unknown>;
  destination_config: Record<string, unknown>;
  sent_at: string;
}

/** An account's signing secrets: the current one first, then those retiring after a rotation. */
export type SigningSecretsOf = (accountId: number) => Promise<readonly string[]>;

/**
 * The deprecated `x-publisher-signature` value (`sha256=` + hex HMAC-SHA256 over
 * `<timestamp>.<body>`, keyed with the account's current secret as text).
 */
function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Generic webhook: POSTs the record as JSON to `destination_config.url`, signed per Standard
 * Webhooks with the **account's** secret(s) (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature: v1,…`; during a rotation one signature per valid secret).
 * A 2xx answer is success; the external URL is the answer's `external_url` or `url` (JSON) when it
 * is an http(s) URL, else its `Location` header when that is one, else the webhook URL itself; the
 * external id is `external_id` or `id`.
 * Anything else (status, timeout, network, refusal) is a failure with a short reason.
 *
 * @example
 * const webhook = createWebhookAdapter({ http: outbound, secrets: (account) => store.get(account).then(…), timeoutMs: 10_000 });
 */
export function createWebhookAdapter(options: {
  http: OutboundHttp;
  secrets: SigningSecretsOf;
  timeoutMs: number;
  now?: () => Date;
}): DestinationAdapter {
  const now = options.now ?? (() => new Date());
  return {
    name: 'webhook',
    async deliver(record: PublishingRecordRepresentation, context: DeliveryContext): Promise<DeliveryResult> {
      const url = record.destination_config.url;
      if (!isHttpUrl(url)) throw new DeliveryError('destination_config.url must be an absolute http(s) URL');
      const secrets = await options.secrets(record.account_id);
      const sentAt = now();
      const payload: WebhookPayload = {
        type: 'publisher.publish',
        delivery_id: record.id,
        record_id: record.id,
        attempt: context.attempt,
        content_id: record.content_id,
        account_id: record.account_id,
        site_id: record.site_id,
        sector_id: record.sector_id,
        metadata: record.metadata,
        destination_config: record.destination_config,
        sent_at: sentAt.toISOString(),
      };
      const body = JSON.stringify(payload);
      const timestamp = Math.floor(sentAt.getTime() / 1000);
      const result = await options.http.request(
        url,
        {
          method: 'POST',
          body,
          headers: {
            'content-type': 'application/json',
            'user-agent': 'publisher-publishing-worker/1',
            [WEBHOOK_ID_HEADER]: payload.delivery_id,
            [WEBHOOK_TIMESTAMP_HEADER]: String(timestamp),
            [WEBHOOK_SIGNATURE_HEADER]: signStandardWebhook(secrets, payload.delivery_id, timestamp, body),
            [LEGACY_DELIVERY_HEADER]: payload.delivery_id,
            [LEGACY_TIMESTAMP_HEADER]: String(timestamp),
            [LEGACY_SIGNATURE_HEADER]: signWebhook(secrets[0] ?? '', String(timestamp), body),
          },
        },
        { timeoutMs: options.timeoutMs, signal: context.signal },
      );
      if (result.status < 200 || result.status > 299) throw new DeliveryError(describeStatus('webhook', result.status));
      const answer = result.json;
      const claimed = answer.external_url ?? answer.url;
      const location = result.headers.location;
      const externalUrl = isHttpUrl(claimed) ? claimed : location && isHttpUrl(location) ? location : url;
      const id = answer.external_id ?? answer.id;
      return {
        external_url: externalUrl,
        external_id: typeof id === 'string' || typeof id === 'number' ? String(id) : null,
        fallback_url: url,
      };
    },
  };
}
