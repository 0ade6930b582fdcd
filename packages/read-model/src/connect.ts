import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { READ_MODEL_SCHEMA, type ReadModelDatabase } from './database.ts';

const TIMESTAMPTZ_OID = 1184;

/**
 * `2024-05-01 12:00:00.5+00` (PostgreSQL's output with TimeZone=UTC) → `2024-05-01T12:00:00.500Z`,
 * by string surgery: parsing a Date per timestamp was a visible share of a list request's cost.
 * Other offsets (a session not in UTC) fall back to Date.
 * @example
 * timestamptzToIso('2024-05-01 12:00:00+00') // '2024-05-01T12:00:00.000Z'
 */
export function timestamptzToIso(value: string): string {
  if (!value.endsWith('+00') || value.length < 22) return new Date(value).toISOString();
  const body = value.slice(0, -3);
  const dot = body.indexOf('.', 19);
  const hms = dot === -1 ? body.slice(11) : body.slice(11, dot);
  const ms = dot === -1 ? '000' : `${body.slice(dot + 1)}00`.slice(0, 3);
  return `${body.slice(0, 10)}T${hms}.${ms}Z`;
}

/** `pg` type parsers of read-model connections: timestamptz as an ISO-8601 string. */
export const readModelTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMPTZ_OID && format !== 'binary'
      ? timestamptzToIso
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

/**
 * Session settings of read-model connections: unqualified table names resolve in `schema` (a
 * rebuild's swap renames schemas, and the next statement follows), timestamps come out in UTC.
 * Passed at connection start-up, so they hold on every pooled connection.
 */
export function readModelSessionOptions(schema: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new TypeError(`invalid schema name: ${schema}`);
  return `-c search_path=${schema} -c TimeZone=UTC`;
}

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
  /** Kysely whose unqualified table names resolve in the read-model schema. */
  db: Kysely<ReadModelDatabase>;
  close(): Promise<void>;
}

/**
 * Opens a pool and a Kysely instance on a read-model schema (through the connections'
 * `search_path`, which costs nothing per query, unlike a query-rewriting plugin).
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
    options: readModelSessionOptions(options.schema ?? READ_MODEL_SCHEMA),
    types: readModelTypes,
  });
  pool.on('error', (err) => options.onPoolError?.(err));
  const db = new Kysely<ReadModelDatabase>({ dialect: new PostgresDialect({ pool }) });
  let closed: Promise<void> | undefined;
  return {
    pool,
    db,
    close: () => {
      closed ??= db.destroy();
      return closed;
    },
  };
}
