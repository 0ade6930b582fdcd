import { type DatabaseTimeouts, pgPoolTimeouts } from '@publisher/platform/config';
import { retryWhileUnavailable } from '@publisher/platform/database-errors';
import { createWebhookSecretStore, migrateWebhookSecrets } from '@publisher/webhook-secrets';
import pg from 'pg';
import type { Logger } from 'pino';
import type { SigningSecretsOf } from './destinations/index.ts';

/**
 * The accounts' signing secrets, read from the command API's database (`webhook_secrets`) for each
 * delivery, not cached: a rotation signs the next delivery with the new secret, and a secret revoked
 * at once (`grace_seconds` 0, a leaked key) signs none (one indexed read beside an HTTP call). An
 * account without one gets its first secret here (its admin reads the same one with
 * `GET webhook-signing-secret`).
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
  return {
    of: (accountId) => store.get(accountId).then((s) => [s.current.secret, ...s.retiring.map((r) => r.secret)]),
    close: () => pool.end(),
  };
}
