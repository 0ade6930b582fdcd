import { type DatabaseTimeouts, pgPoolTimeouts } from '@publisher/platform/config';
import { retryWhileUnavailable } from '@publisher/platform/database-errors';
import { createWebhookSecretStore, migrateWebhookSecrets } from '@publisher/webhook-secrets';
import { LRUCache } from 'lru-cache';
import pg from 'pg';
import type { Logger } from 'pino';
import type { SigningSecretsOf } from './destinations/index.ts';

/** How long the worker signs with secrets it read: a rotation reaches deliveries within this. */
const CACHE_MS = 30_000;

/**
 * The accounts' signing secrets, read from the command API's database (`webhook_secrets`) with a
 * short cache; an account without one gets its first secret here (its admin reads the same one
 * with `GET webhook-signing-secret`).
 *
 * @example
 * const secrets = await openSigningSecrets(config.databaseUrl, config.database, logger);
 * const [current, ...retiring] = await secrets.of(accountId);
 */
export async function openSigningSecrets(
  databaseUrl: string,
  timeouts: DatabaseTimeouts,
  logger: Logger,
): Promise<{ of: SigningSecretsOf; close(): Promise<void> }> {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 2,
    application_name: 'publisher-publishing-worker',
    ...pgPoolTimeouts(timeouts),
  });
  pool.on('error', (err) => logger.warn({ err }, 'idle database connection lost'));
  await retryWhileUnavailable(logger, 'signing secrets migration', () => migrateWebhookSecrets(pool));
  const store = createWebhookSecretStore(pool);
  const cache = new LRUCache<number, Promise<string[]>>({ max: 10_000, ttl: CACHE_MS });
  return {
    of(accountId) {
      const hit = cache.get(accountId);
      if (hit) return hit;
      const secrets = store.get(accountId).then((s) => [s.current.secret, ...s.retiring.map((r) => r.secret)]);
      cache.set(accountId, secrets);
      secrets.catch(() => cache.delete(accountId)); // a failed read is not remembered
      return secrets;
    },
    close: () => pool.end(),
  };
}
