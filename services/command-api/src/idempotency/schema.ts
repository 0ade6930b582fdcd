import { withAdvisoryXactLock } from '@publisher/coordination';
import type pg from 'pg';

/** Schema of the command API's own tables (beside the event store's). */
export const COMMAND_API_SCHEMA = 'command_api';

/**
 * Runs `migrate` in a transaction holding the command API's migration lock, in its schema (created
 * if missing): concurrent start-ups of several instances then migrate one at a time. One lock for
 * all its tables, since each migration creates the shared schema.
 * @example
 * await migrateUnderLock(pool, (client) => client.query('CREATE TABLE IF NOT EXISTS …'));
 */
export async function migrateUnderLock(
  pool: pg.Pool,
  migrate: (client: pg.PoolClient) => Promise<unknown>,
): Promise<void> {
  await withAdvisoryXactLock(pool, 'command-api:migrate', async (client) => {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${COMMAND_API_SCHEMA}`);
    await migrate(client);
  });
}

/**
 * Creates the idempotency table if missing. Idempotent; safe when several instances start at once.
 * @example
 * await migrateIdempotency(pool);
 */
export async function migrateIdempotency(pool: pg.Pool): Promise<void> {
  await migrateUnderLock(pool, async (client) => {
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${COMMAND_API_SCHEMA}.idempotency_keys (
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
      )`);
    // Ids of what a keyed request creates derive from this per-claim nonce, not from the key alone,
    // so a key reused after it expired creates new records instead of colliding with the old ones.
    await client.query(
      `ALTER TABLE ${COMMAND_API_SCHEMA}.idempotency_keys ADD COLUMN IF NOT EXISTS nonce uuid NOT NULL DEFAULT gen_random_uuid()`,
    );
    await client.query(
      `CREATE INDEX IF NOT EXISTS idempotency_keys_created_at ON ${COMMAND_API_SCHEMA}.idempotency_keys (created_at)`,
    );
    // A large response is kept as references to its records (rebuilt from the event store on
    // replay) instead of its body, so rows stay small (IDEMPOTENCY_MAX_RESPONSE_BYTES).
    await client.query(
      `ALTER TABLE ${COMMAND_API_SCHEMA}.idempotency_keys ADD COLUMN IF NOT EXISTS response_ref jsonb`,
    );
  });
}
