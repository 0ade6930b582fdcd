import { quoteIdent, withAdvisoryXactLock } from '@publisher/coordination';
import type pg from 'pg';
import { RelayError } from './errors.ts';

/**
 * The relay's own checkpoint: the position of the last event whose Kafka write the broker
 * acknowledged. It lives in PostgreSQL beside (not inside) the event store, one row per relay name,
 * and only moves by compare-and-set so two relays can never both believe they own it.
 */
export interface CheckpointStore {
  /** Creates the table when missing; safe to run from several processes at once. */
  migrate(): Promise<void>;
  /** The stored position, or null (relay from the very start). Creates the row when missing. */
  load(name: string): Promise<string | null>;
  /**
   * Moves `name` from `expected` to `next` (null: back to the start, a support reset); throws
   * RELAY_CHECKPOINT_CONFLICT when it was not at `expected`.
   */
  save(name: string, expected: string | null, next: string | null): Promise<void>;
}

/** The table of relays' checkpoints (created by `migrate`, when a relay first starts). */
export const RELAY_CHECKPOINTS_TABLE = 'relay_checkpoints';

/**
 * @example
 * const checkpoints = createCheckpointStore(pool);
 * await checkpoints.migrate();
 * let position = await checkpoints.load('kafka-relay');
 * await checkpoints.save('kafka-relay', position, batch.at(-1).position);
 */
export function createCheckpointStore(pool: pg.Pool, table = RELAY_CHECKPOINTS_TABLE): CheckpointStore {
  const ident = quoteIdent(table);
  return {
    async migrate() {
      // The lock serialises concurrent CREATE TABLE IF NOT EXISTS, which can otherwise fail on pg_type.
      await withAdvisoryXactLock(pool, 'kafka-relay:migrate', (client) =>
        client.query(`CREATE TABLE IF NOT EXISTS ${ident} (
          name text PRIMARY KEY,
          position text,
          updated_at timestamptz NOT NULL DEFAULT now()
        )`),
      );
    },
    async load(name) {
      await pool.query(`INSERT INTO ${ident} (name, position) VALUES ($1, NULL) ON CONFLICT (name) DO NOTHING`, [name]);
      const { rows } = await pool.query<{ position: string | null }>(`SELECT position FROM ${ident} WHERE name = $1`, [
        name,
      ]);
      return rows[0]?.position ?? null;
    },
    async save(name, expected, next) {
      const { rowCount } = await pool.query(
        `UPDATE ${ident} SET position = $3, updated_at = now() WHERE name = $1 AND position IS NOT DISTINCT FROM $2`,
        [name, expected, next],
      );
      if (rowCount !== 1) {
        throw new RelayError('RELAY_CHECKPOINT_CONFLICT', `checkpoint ${name} was moved by someone else`, {
          expected,
          next,
        });
      }
    },
  };
}
