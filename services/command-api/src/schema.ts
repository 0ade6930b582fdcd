import { type Migration, migrateSchema } from '@publisher/coordination';
import type pg from 'pg';

/** Schema of the command API's own tables (beside the event store's). */
export const COMMAND_API_SCHEMA = 'command_api';

/**
 * The command API's tables, one numbered change each (recorded in `command_api.migrations`). The
 * first two are written `IF NOT EXISTS`: they describe tables that databases of earlier versions
 * created without a migrations table, and adopt them as they are.
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'idempotency keys: a keyed request and its answer, replayed to a repeat',
    sql: (s) => `
CREATE TABLE IF NOT EXISTS ${s}.idempotency_keys (
  account_id bigint NOT NULL,
  key text NOT NULL,
  -- sha256 of method, route and canonical body: same key + different request → 422
  request_hash text NOT NULL,
  state text NOT NULL CHECK (state IN ('in_progress', 'completed')),
  status_code integer,
  response jsonb,
  headers jsonb,
  -- an in-progress claim older than this was abandoned (crash) and may be taken over
  locked_until timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, key)
);
-- Ids of what a keyed request creates derive from this per-claim nonce, not from the key alone,
-- so a key reused after it expired creates new records instead of colliding with the old ones.
ALTER TABLE ${s}.idempotency_keys ADD COLUMN IF NOT EXISTS nonce uuid NOT NULL DEFAULT gen_random_uuid();
CREATE INDEX IF NOT EXISTS idempotency_keys_created_at ON ${s}.idempotency_keys (created_at);
-- A large response is kept as references to its records (rebuilt from the event store on
-- replay) instead of its body, so rows stay small (IDEMPOTENCY_MAX_RESPONSE_BYTES).
ALTER TABLE ${s}.idempotency_keys ADD COLUMN IF NOT EXISTS response_ref jsonb;
`,
  },
  {
    version: 2,
    description: 'sites: site → account, claimed by a first create or registered by an operator (SITE_REGISTRY)',
    sql: (s) => `
CREATE TABLE IF NOT EXISTS ${s}.sites (
  site_id bigint PRIMARY KEY,
  account_id bigint NOT NULL,
  -- 'claimed' by a first create (SITE_REGISTRY=claim) or 'operator' (registered by hand)
  source text NOT NULL DEFAULT 'operator',
  created_at timestamptz NOT NULL DEFAULT now()
);
`,
  },
];

/**
 * Creates or upgrades the command API's schema. Safe at every start-up and from several instances
 * at once: a transaction-scoped advisory lock serialises them, and each change is recorded in the
 * transaction that applies it. The sites table is made whatever SITE_REGISTRY says, so switching
 * the registry on later needs no migration.
 * @example
 * await migrateCommandApi(pool);
 */
export async function migrateCommandApi(pool: pg.Pool): Promise<number[]> {
  return migrateSchema(pool, 'command-api:migrate', COMMAND_API_SCHEMA, MIGRATIONS);
}
