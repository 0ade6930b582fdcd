import { migrateSchema } from '@publisher/coordination';
import type pg from 'pg';
import type { Logger } from 'pino';
import { MIGRATIONS } from './schema-sql.ts';

/**
 * Creates or upgrades the store's schema. Safe to run at every start-up and from several
 * processes at once: a transaction-scoped advisory lock serialises them, and applied versions are
 * recorded in `<schema>.migrations`, each applied in the same transaction that records it.
 *
 * @example
 * await migrateEventStore(pool, 'event_store', logger);
 */
export async function migrateEventStore(pool: pg.Pool, schema: string, logger?: Logger): Promise<number[]> {
  const applied = await migrateSchema(pool, 'event-store:migrate', schema, MIGRATIONS);
  if (applied.length > 0) logger?.info({ schema, applied }, 'event store migrated');
  return applied;
}
