import { createHmac, timingSafeEqual } from 'node:crypto';
import type { PublishingRecordRepresentation } from '@publisher/contracts';
import { DeliveryError } from '../errors.ts';
import { describeStatus, httpRequest, isHttpUrl } from './http.ts';
import type { DeliveryContext, DeliveryResult, DestinationAdapter } from './types.ts';

export const WEBHOOK_SIGNATURE_HEADER = 'x-publisher-signature';
export const WEBHOOK_TIMESTAMP_HEADER = 'x-publisher-timestamp';
export const WEBHOOK_DELIVERY_HEADER = 'x-publisher-delivery';

/** What a webhook receives (JSON). `delivery_id` is stable per attempt: receivers dedupe on it. */
export interface WebhookPayload {
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

/**
 * The signature of a webhook body: `sha256=` + hex HMAC-SHA256 over `<timestamp>.<raw body>` with
 * the shared secret. The timestamp is inside the signed text so a captured request cannot be
 * replayed later with a fresh timestamp.
 *
 * @example
 * signWebhook(secret, '1714560000', body) // 'sha256=5d41…'
 */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * For receivers: checks signature and freshness (default 5 minutes) in constant time.
 * @example
 * const ok = verifyWebhook(secret, req.headers['x-publisher-timestamp'], rawBody, req.headers['x-publisher-signature']);
 */
export function verifyWebhook(
  secret: string,
  timestamp: string | undefined,
  body: string,
  signature: string | undefined,
  options: { toleranceSeconds?: number; now?: number } = {},
): boolean {
  if (!timestamp || !signature || !/^\d+$/.test(timestamp)) return false;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * Generic webhook: POSTs the record as signed JSON to `destination_config.url`.
 * A 2xx answer is success; the external URL is the answer's `external_url` or `url` (JSON), else
 * its `Location` header, else the webhook URL itself; the external id is `external_id` or `id`.
 * Anything else (status, timeout, network) is a failure with the reason.
 *
 * @example
 * const webhook = createWebhookAdapter({ secret: process.env.WEBHOOK_SIGNING_SECRET!, timeoutMs: 10_000 });
 */
export function createWebhookAdapter(options: {
  secret: string;
  timeoutMs: number;
  now?: () => Date;
}): DestinationAdapter {
  const now = options.now ?? (() => new Date());
  return {
    name: 'webhook',
    async deliver(record: PublishingRecordRepresentation, context: DeliveryContext): Promise<DeliveryResult> {
      const url = record.destination_config.url;
      if (!isHttpUrl(url)) throw new DeliveryError('destination_config.url must be an absolute http(s) URL');
      const sentAt = now();
      const payload: WebhookPayload = {
        type: 'publisher.publish',
        delivery_id: `${record.id}:${context.attempt}`,
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
      const timestamp = String(Math.floor(sentAt.getTime() / 1000));
      const result = await httpRequest(
        url,
        {
          method: 'POST',
          body,
          headers: {
            'content-type': 'application/json',
            'user-agent': 'publisher-publishing-worker/1',
            [WEBHOOK_DELIVERY_HEADER]: payload.delivery_id,
            [WEBHOOK_TIMESTAMP_HEADER]: timestamp,
            [WEBHOOK_SIGNATURE_HEADER]: signWebhook(options.secret, timestamp, body),
          },
        },
        { timeoutMs: options.timeoutMs, signal: context.signal },
      );
      if (result.status < 200 || result.status > 299) throw new DeliveryError(describeStatus('webhook', result));
      const answer = (typeof result.json === 'object' && result.json !== null ? result.json : {}) as Record<
        string,
        unknown
      >;
      const claimed = answer.external_url ?? answer.url;
      if (claimed !== undefined && !isHttpUrl(claimed)) {
        throw new DeliveryError(`webhook answered ${result.status} with an invalid external URL`);
      }
      const location = result.headers.get('location');
      const externalUrl = (claimed as string | undefined) ?? (location && isHttpUrl(location) ? location : url);
      const id = answer.external_id ?? answer.id;
      return {
        external_url: externalUrl,
        external_id: typeof id === 'string' || typeof id === 'number' ? String(id).slice(0, 255) : null,
      };
    },
  };
}
