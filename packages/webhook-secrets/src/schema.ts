import { type Migration, migrateSchema } from '@publisher/coordination';
import type pg from 'pg';

/** Schema of the signing secrets: apart from the event store, read models and every Kafka path. */
const WEBHOOK_SECRETS_SCHEMA = 'webhook_secrets';
export const WEBHOOK_SECRETS_TABLE = `${WEBHOOK_SECRETS_SCHEMA}.signing_secrets`;

/**
 * The schema's changes, recorded in `webhook_secrets.migrations`. The first is written
 * `IF NOT EXISTS`: it adopts the table as databases of earlier versions created it.
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'signing secrets: one current secret per account, retired ones until they expire',
    sql: (s) => `
CREATE TABLE IF NOT EXISTS ${s}.signing_secrets (
  id bigserial PRIMARY KEY,
  account_id bigint NOT NULL,
  secret text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- null: the current secret; set when a rotation retires it (still signing until then)
  expires_at timestamptz
);
-- One current secret per account: concurrent first uses create it once.
CREATE UNIQUE INDEX IF NOT EXISTS signing_secrets_current ON ${s}.signing_secrets (account_id) WHERE expires_at IS NULL;
`,
  },
];

/**
 * Creates or upgrades the signing-secret schema. The command API and the worker both run it at
 * start, whichever comes first: the lock serialises them.
 * @example
 * await migrateWebhookSecrets(pool);
 */
export async function migrateWebhookSecrets(pool: pg.Pool): Promise<number[]> {
  return migrateSchema(pool, 'webhook-secrets:migrate', WEBHOOK_SECRETS_SCHEMA, MIGRATIONS);
}
