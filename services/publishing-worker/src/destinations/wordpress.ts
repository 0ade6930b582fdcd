import type { PublishingRecordRepresentation } from '@publisher/contracts';
import { DeliveryError } from '../errors.ts';
import { describeStatus, httpRequest, isHttpUrl } from './http.ts';
import type { DeliveryContext, DeliveryResult, DestinationAdapter } from './types.ts';

/** Basic-auth credentials (a WordPress application password), per site origin. */
export interface WordPressCredentials {
  username: string;
  application_password: string;
}

export interface WordPressOptions {
  /** Credentials by site origin (`https://blog.example.com`). */
  credentials: Record<string, WordPressCredentials>;
  /** Used for sites without their own entry; null: such sites fail with a clear message. */
  fallback: WordPressCredentials | null;
  timeoutMs: number;
}

const POST_STATUSES = new Set(['publish', 'draft', 'pending', 'private', 'future']);

/**
 * WordPress REST: creates a post with `POST {site_url}/wp-json/wp/v2/posts`, basic auth from the
 * worker's environment (never from destination_config). The post is built from the record:
 * title = metadata.title (else "Content {content_id}"), content = metadata.content ?? metadata.body,
 * excerpt = metadata.excerpt; status = destination_config.status (default `publish`);
 * destination_config.categories / tags (ids) are passed through.
 * The external URL is the post's `link`, the external id its `id`.
 *
 * @example
 * const wordpress = createWordPressAdapter({ credentials: {}, fallback: { username, application_password }, timeoutMs: 10_000 });
 */
export function createWordPressAdapter(options: WordPressOptions): DestinationAdapter {
  return {
    name: 'wordpress',
    async deliver(record: PublishingRecordRepresentation, context: DeliveryContext): Promise<DeliveryResult> {
      const config = record.destination_config;
      const siteUrl = config.site_url;
      if (!isHttpUrl(siteUrl)) throw new DeliveryError('destination_config.site_url must be an absolute http(s) URL');
      const origin = new URL(siteUrl).origin;
      const credentials = options.credentials[origin] ?? options.fallback;
      if (!credentials) throw new DeliveryError(`no WordPress credentials configured for ${origin}`);
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
      const endpoint = `${siteUrl.replace(/\/+$/, '')}/wp-json/wp/v2/posts`;
      const auth = Buffer.from(`${credentials.username}:${credentials.application_password}`).toString('base64');
      const result = await httpRequest(
        endpoint,
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
      const answer = (typeof result.json === 'object' && result.json !== null ? result.json : {}) as Record<
        string,
        unknown
      >;
      if (result.status < 200 || result.status > 299) {
        // WordPress errors are JSON { code, message }: the code says more than the status.
        if (typeof answer.code === 'string' && typeof answer.message === 'string') {
          throw new DeliveryError(
            `WordPress answered ${result.status} ${answer.code}: ${answer.message}`.slice(0, 1000),
          );
        }
        throw new DeliveryError(describeStatus('WordPress', result));
      }
      if (!isHttpUrl(answer.link) || (typeof answer.id !== 'number' && typeof answer.id !== 'string')) {
        throw new DeliveryError(`WordPress answered ${result.status} without a post id and link`);
      }
      return { external_url: answer.link, external_id: String(answer.id) };
    },
  };
}
