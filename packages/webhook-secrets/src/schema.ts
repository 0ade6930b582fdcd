import { withAdvisoryXactLock } from '@publisher/coordination';
import type pg from 'pg';

/** Schema of the signing secrets: apart from the event store, read models and every Kafka path. */
const WEBHOOK_SECRETS_SCHEMA = 'webhook_secrets';
export const WEBHOOK_SECRETS_TABLE = `${WEBHOOK_SECRETS_SCHEMA}.signing_secrets`;

/**
 * Creates the signing-secret table if missing. Idempotent; the command API and the worker both run
 * it at start, whichever comes first.
 * @example
 * await migrateWebhookSecrets(pool);
 */
export async function migrateWebhookSecrets(pool: pg.Pool): Promise<void> {
  // The lock serialises the command API's and the worker's concurrent start-ups.
  await withAdvisoryXactLock(pool, 'webhook-secrets:migrate', async (client) => {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${WEBHOOK_SECRETS_SCHEMA}`);
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${WEBHOOK_SECRETS_TABLE} (
        id bigserial PRIMARY KEY,
        account_id bigint NOT NULL,
        secret text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        -- null: the current secret; set when a rotation retires it (still signing until then)
        expires_at timestamptz
      )`);
    // One current secret per account: concurrent first uses create it once.
    await client.query(
      `CREATE UNIQUE INDEX IF NOT EXISTS signing_secrets_current ON ${WEBHOOK_SECRETS_TABLE} (account_id) WHERE expires_at IS NULL`,
    );
  });
}
