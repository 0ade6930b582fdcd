import type { PublishingRecordRepresentation } from '@publisher/contracts';
import { DeliveryError } from '../errors.ts';
import { describeStatus, isHttpUrl, type OutboundHttp } from './http.ts';
import type { DeliveryContext, DeliveryResult, DestinationAdapter } from './types.ts';

/**
 * A WordPress application password registered by an operator for one site of one account, bound to
 * the site's address: it is only ever sent there.
 */
export interface WordPressCredential {
  account_id: number;
  site_id: number;
  /** The site's address (origin): `https://blog.example.com`. */
  site_url: string;
  username: string;
  application_password: string;
}

/** Credentials by `${account_id}:${site_id}`. */
export type WordPressCredentials = ReadonlyMap<string, WordPressCredential>;

/** @example credentialKey(1, 7) // '1:7' */
export function credentialKey(accountId: number, siteId: number): string {
  return `${accountId}:${siteId}`;
}

export interface WordPressOptions {
  http: OutboundHttp;
  credentials: WordPressCredentials;
  timeoutMs: number;
}

const POST_STATUSES = new Set(['publish', 'draft', 'pending', 'private', 'future']);
/** WordPress error codes are short identifiers (`rest_cannot_create`); anything else is not repeated. */
const ERROR_CODE = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * WordPress REST: creates a post with `POST <site>/wp-json/wp/v2/posts`, basic auth with the
 * credential registered for the record's (account, site) — never one of another tenant, never a
 * global one, and only when `destination_config.site_url` is the address that credential was
 * registered for. The endpoint is built with `new URL` from the registered origin.
 * The post: title = metadata.title (else "Content {content_id}"), content = metadata.content ??
 * metadata.body, excerpt = metadata.excerpt; status = destination_config.status (default `publish`);
 * destination_config.categories / tags (ids) are passed through.
 * The external URL is the post's `link`, the external id its `id`.
 *
 * @example
 * const wordpress = createWordPressAdapter({ http: outbound, credentials, timeoutMs: 10_000 });
 */
export function createWordPressAdapter(options: WordPressOptions): DestinationAdapter {
  return {
    name: 'wordpress',
    async deliver(record: PublishingRecordRepresentation, context: DeliveryContext): Promise<DeliveryResult> {
      const config = record.destination_config;
      if (!isHttpUrl(config.site_url)) {
        throw new DeliveryError('destination_config.site_url must be an absolute http(s) URL');
      }
      const credential = options.credentials.get(credentialKey(record.account_id, record.site_id));
      if (!credential) {
        throw new DeliveryError(
          `no WordPress credentials are registered for site ${record.site_id} of account ${record.account_id}`,
        );
      }
      const registered = new URL(credential.site_url);
      const requested = new URL(config.site_url);
      if (requested.origin !== registered.origin || requested.pathname !== '/' || requested.search || requested.hash) {
        throw new DeliveryError(
          `destination_config.site_url is not the address registered for site ${record.site_id}'s WordPress credentials; nothing was sent`,
        );
      }
      const status = config.status ?? 'publish';
      if (typeof status !== 'string' || !POST_STATUSES.has(status)) {
        throw new DeliveryError(`destination_config.status must be one of ${[...POST_STATUSES].join(', ')}`);
      }
      const m = record.metadata;
      const post: Record<string, unknown> = {
        title: typeof m.title === 'string' ? m.title : `Content ${record.content_id}`,
        content: typeof m.content === 'string' ? m.content : typeof m.body === 'string' ? m.body : '',
        status,
      };
      if (typeof m.excerpt === 'string') post.excerpt = m.excerpt;
      for (const key of ['categories', 'tags'] as const) {
        if (Array.isArray(config[key])) post[key] = config[key];
      }
      const endpoint = new URL('/wp-json/wp/v2/posts', registered.origin);
      const auth = Buffer.from(`${credential.username}:${credential.application_password}`).toString('base64');
      const result = await options.http.request(
        endpoint.href,
        {
          method: 'POST',
          body: JSON.stringify(post),
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            authorization: `Basic ${auth}`,
            'user-agent': 'publisher-publishing-worker/1',
          },
        },
        { timeoutMs: options.timeoutMs, signal: context.signal },
      );
      const answer = result.json;
      if (result.status < 200 || result.status > 299) {
        // WordPress errors are JSON { code, message }: the code classifies better than the status.
        const code = typeof answer.code === 'string' && ERROR_CODE.test(answer.code) ? ` ${answer.code}` : '';
        throw new DeliveryError(`${describeStatus('WordPress', result.status)}${code}`);
      }
      if (!isHttpUrl(answer.link) || (typeof answer.id !== 'number' && typeof answer.id !== 'string')) {
        throw new DeliveryError(`WordPress answered ${result.status} without a post id and link`);
      }
      return { external_url: answer.link, external_id: String(answer.id), fallback_url: config.site_url };
    },
  };
}
