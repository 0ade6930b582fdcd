import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { READ_MODEL_SCHEMA, type ReadModelDatabase } from './database.ts';

export interface ReadModelConnectionOptions {
  connectionString: string;
  /** Pool size (default 10). */
  max?: number;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
  /** Schema the returned `db` reads and writes (default `read_model`). */
  schema?: string;
  /** Called with errors of idle pooled connections (which would otherwise crash the process). */
  onPoolError?: (err: Error) => void;
}

export interface ReadModelConnection {
  pool: pg.Pool;
  /** Kysely scoped to the read-model schema. */
  db: Kysely<ReadModelDatabase>;
  close(): Promise<void>;
}

/**
 * Opens a pool and a Kysely instance scoped to a read-model schema.
 * @example
 * const { db, close } = createReadModelConnection({ connectionString: process.env.DATABASE_URL! });
 * const rows = await listDeployments(db, scope, { page: 1, page_size: 20 });
 * await close();
 */
export function createReadModelConnection(options: ReadModelConnectionOptions): ReadModelConnection {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'publisher-read-model',
  });
  pool.on('error', (err) => options.onPoolError?.(err));
  const root = new Kysely<ReadModelDatabase>({ dialect: new PostgresDialect({ pool }) });
  const db = root.withSchema(options.schema ?? READ_MODEL_SCHEMA);
  let closed: Promise<void> | undefined;
  return {
    pool,
    db,
    close: () => {
      closed ??= root.destroy();
      return closed;
    },
  };
}
