import { applyMigrations, quoteIdent, withAdvisoryXactLock } from '@publisher/coordination';
import type pg from 'pg';
import { ACCESS_LOG_MIGRATIONS, AUDIT_TRAIL_SCHEMA } from './access-log.ts';
import { READ_MODEL_CONTROL_SCHEMA, READ_MODEL_SCHEMA, READ_MODELS_PROJECTION } from './database.ts';
import { CONTROL_MIGRATIONS, indexSql, MIGRATIONS } from './schema-sql.ts';

export interface MigrateReadModelOptions {
  /** Schema to create or upgrade (default `read_model`). */
  schema?: string;
  /** Create the secondary indexes too (default true; a rebuild creates them after its replay). */
  indexes?: boolean;
  logger?: { info(obj: object, msg: string): void };
}

/**
 * Creates or upgrades a read-model schema and the control schema. Safe at every start-up and from
 * several processes at once: a transaction-scoped advisory lock serialises them, and applied
 * versions are recorded in `<schema>.migrations` in the same transaction.
 *
 * @example
 * await migrateReadModel(pool);                                        // the live schema
 * await migrateReadModel(pool, { schema: 'read_model_rebuild', indexes: false });
 */
export async function migrateReadModel(pool: pg.Pool, options: MigrateReadModelOptions = {}): Promise<number[]> {
  const schema = options.schema ?? READ_MODEL_SCHEMA;
  const s = quoteIdent(schema);
  // One lock for every schema, not one per schema: all of them create the shared control and audit
  // schemas, and two schemas migrating at once on a new database raced to create those (a unique
  // violation on the catalog). Migrations are short (a rebuild builds its indexes outside them).
  const applied = await withAdvisoryXactLock(pool, 'read-model:migrate', async (client) => {
    await applyMigrations(client, quoteIdent(READ_MODEL_CONTROL_SCHEMA), CONTROL_MIGRATIONS);
    await applyMigrations(client, quoteIdent(AUDIT_TRAIL_SCHEMA), ACCESS_LOG_MIGRATIONS);
    const applied = await applyMigrations(client, s, MIGRATIONS);
    if (options.indexes ?? true) await client.query(indexSql(s));
    await client.query(
      `INSERT INTO ${s}.projection_checkpoints (name, position) VALUES ($1, NULL) ON CONFLICT (name) DO NOTHING`,
      [READ_MODELS_PROJECTION],
    );
    return applied;
  });
  if (applied.length > 0) options.logger?.info({ schema, applied }, 'read model migrated');
  return applied;
}

/**
 * Creates the secondary indexes of a schema (idempotent) with `CREATE INDEX CONCURRENTLY`, outside
 * any transaction block. A rebuild calls it after its replay, on tables holding the whole log: a
 * plain CREATE INDEX would run in a transaction holding a transaction id for minutes, and the event
 * store shows readers only events older than every running transaction, so the live projector and
 * the relay would see nothing new until it ended. A concurrent build never holds one for long.
 * PostgreSQL builds one index concurrently per table at a time (each build takes the table's SHARE
 * UPDATE EXCLUSIVE lock), so the tables' indexes are built side by side, each table's in turn: the
 * records' and deployments' go while the audit table's (one row per event) are still building. The
 * pool needs a connection per table for that. An index a failed build leaves INVALID is dropped and
 * built again.
 *
 * `online: false` (a rebuild with nothing live beside it) builds with plain `CREATE INDEX`, two at a
 * time whatever their table (plain builds of one table do not exclude each other), the audit
 * table's first: a plain build reads the table once where a concurrent one reads it twice and waits
 * for older transactions. Each build then holds a transaction id for
 * its duration, so events appended meanwhile reach readers of the log up to one build later.
 * @example
 * await createReadModelIndexes(pool, 'read_model_rebuild', { logger });
 */
export async function createReadModelIndexes(
  pool: pg.Pool,
  schema: string,
  options: { logger?: { info(obj: object, msg: string): void }; online?: boolean } = {},
): Promise<void> {
  const online = options.online ?? true;
  const byTable = new Map<string, Array<{ name: string; statement: string }>>();
  for (const statement of indexStatements(schema)) {
    const [, name, table] = /^CREATE (?:UNIQUE )?INDEX IF NOT EXISTS (\S+)\s+ON\s+(\S+)/.exec(statement) ?? [];
    if (!name || !table) throw new Error(`not an index statement: ${statement.slice(0, 80)}`);
    byTable.set(table, [...(byTable.get(table) ?? []), { name, statement }]);
  }
  const build = async ({ name, statement }: { name: string; statement: string }) => {
    const started = Date.now();
    const invalid = await pool.query(
      `SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2 AND NOT i.indisvalid`,
      [schema, name],
    );
    if (invalid.rowCount) await pool.query(`DROP INDEX CONCURRENTLY IF EXISTS ${quoteIdent(schema)}.${name}`);
    await pool.query(
      online
        ? statement.replace(/^CREATE (UNIQUE )?INDEX IF NOT EXISTS/, 'CREATE $1INDEX CONCURRENTLY IF NOT EXISTS')
        : statement,
    );
    options.logger?.info({ schema, index: name, ms: Date.now() - started }, 'read model index built');
  };
  // Online: a queue per table. Offline: one queue, the audit table's first, drained by two builders.
  const audit = (table: string) => Number(table.endsWith('.audit_events'));
  const shared = [...byTable].sort(([a], [b]) => audit(b) - audit(a)).flatMap(([, chain]) => chain);
  const queues = online ? [...byTable.values()] : [shared, shared];
  // Every queue runs to its end before a failure is reported: the caller typically drops the schema
  // next, which would otherwise wait on (or race) the builds still running.
  const chains = await Promise.allSettled(
    queues.map(async (queue) => {
      for (let index = queue.shift(); index !== undefined; index = queue.shift()) await build(index);
    }),
  );
  const failed = chains.find((c) => c.status === 'rejected');
  if (failed) throw failed.reason;
}

/** The index statements of `indexSql`, one per entry. */
function indexStatements(schema: string): string[] {
  return (
    indexSql(quoteIdent(schema))
      // Comments first: one may hold a `;`, and a statement must start with CREATE [UNIQUE] INDEX.
      .replace(/--[^\n]*/g, '')
      .split(';')
      .map((sql) => sql.trim())
      .filter((sql) => sql !== '')
  );
}
