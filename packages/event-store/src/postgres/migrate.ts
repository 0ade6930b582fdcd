import type pg from 'pg';
import type { Logger } from 'pino';
import { ADVISORY_LOCK_CLASS, MIGRATIONS } from './schema-sql.ts';

/** Quotes an SQL identifier (schema names come from configuration, never from requests). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Advisory-lock key (second half) serialising migrations of one schema. */
const MIGRATION_LOCK = 0;

/**
 * Creates or upgrades the store's schema. Safe to run at every start-up and from several
 * processes at once: a transaction-scoped advisory lock serialises them, and applied versions are
 * recorded in `<schema>.migrations`, each applied in the same transaction that records it.
 *
 * @example
 * await migrateEventStore(pool, 'event_store', logger);
 */
export async function migrateEventStore(pool: pg.Pool, schema: string, logger?: Logger): Promise<number[]> {
  const s = quoteIdent(schema);
  const client = await pool.connect();
  let failed: unknown;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [ADVISORY_LOCK_CLASS, MIGRATION_LOCK]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${s}.migrations (version int PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${s}.migrations`);
    const done = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      await client.query(m.sql(s));
      await client.query(`INSERT INTO ${s}.migrations (version, description) VALUES ($1, $2)`, [
        m.version,
        m.description,
      ]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
    if (applied.length > 0) logger?.info({ schema, applied }, 'event store migrated');
    return applied;
  } catch (err) {
    failed = err;
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release(failed instanceof Error ? failed : undefined);
  }
}
