import { createHash } from 'node:crypto';
import { errorCode } from '@publisher/coordination';
import { type DatabaseTimeouts, pgPoolTimeouts } from '@publisher/platform/config';
import { Kysely, PostgresDialect, type PostgresPool } from 'kysely';
import pg from 'pg';
import { BatchedReader, poolRowSource } from './batched-reader.ts';
import { READ_MODEL_SCHEMA, type ReadModelDatabase } from './database.ts';

const TIMESTAMPTZ_OID = 1184;

/**
 * `2024-05-01 12:00:00.5+00` (PostgreSQL's output with TimeZone=UTC) → `2024-05-01T12:00:00.500Z`,
 * by string surgery: parsing a Date per timestamp was a visible share of a list request's cost.
 * Other offsets (a session not in UTC) fall back to Date.
 * @example
 * timestamptzToIso('2024-05-01 12:00:00+00') // '2024-05-01T12:00:00.000Z'
 */
function timestamptzToIso(value: string): string {
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
 * rebuild's swap renames schemas, and the next statement follows) and timestamps come out in UTC.
 * Passed at connection start-up, so
 * they hold on every pooled connection.
 */
export function readModelSessionOptions(schema: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new TypeError(`invalid schema name: ${schema}`);
  return `-c search_path=${schema} -c TimeZone=UTC`;
}

/**
 * Hands Kysely pooled clients whose parameterised queries run as named prepared statements (the
 * name is a hash of the text, so one name always means one text). PostgreSQL then parses and
 * plans each query shape once per connection instead of on every request: for the read API's
 * short queries, planning is much of the database's work.
 */
function preparingPool(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  const nameOf = (text: string) => {
    let name = names.get(text);
    if (name === undefined) {
      name = `rm_${createHash('sha1').update(text).digest('base64url')}`;
      if (names.size < 10_000) names.set(text, name);
    }
    return name;
  };
  // One wrapper per pooled client: Kysely keys its connection state by the client object.
  const wrappers = new WeakMap<pg.PoolClient, ReturnType<typeof wrap>>();
  const wrap = (client: pg.PoolClient) => {
    // A query that failed without the server's answer (a client-side timeout, a lost socket) may
    // leave the connection busy with it: released as it is, it would fail the next query too.
    let lost: Error | undefined;
    const watch = (result: Promise<unknown>) =>
      result.catch((err: unknown) => {
        if (!(err instanceof pg.DatabaseError)) lost = err instanceof Error ? err : new Error(String(err));
        throw err;
      });
    return {
      get processID() {
        return (client as unknown as { processID?: number }).processID;
      },
      release: (destroy?: boolean) => client.release(lost ?? destroy),
      query: ((text: unknown, values?: unknown[]) =>
        watch(
          typeof text === 'string' && values !== undefined && values.length > 0
            ? client.query({ name: nameOf(text), text, values })
            : client.query(text as never, values as never),
        )) as never,
    };
  };
  return {
    options: pool.options,
    end: () => pool.end(),
    connect: async () => {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (wrapper === undefined) {
        wrapper = wrap(client);
        wrappers.set(client, wrapper);
      }
      return wrapper;
    },
  };
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
  /**
   * Bounds on database waits, in ms (default: none): for a pooled connection, for a statement
   * (`statement_timeout`), and — for a server or network that stops answering — for the answer on
   * the client side and for a batch of the reader (`queryTimeoutMs`). Past one, the error is a
   * connection error (503 at the APIs) and the pool goes on with other connections. With them, a
   * transaction left idle ends too (`pgPoolTimeouts`).
   */
  timeouts?: DatabaseTimeouts;
}

export interface ReadModelConnection {
  pool: pg.Pool;
  /** Kysely whose unqualified table names resolve in the read-model schema. */
  db: Kysely<ReadModelDatabase>;
  /** The read path's queries, batched across concurrent requests (`listPublishingRecordDocuments`, …). */
  reader: BatchedReader;
  close(): Promise<void>;
}

/**
 * Opens a pool and a Kysely instance on a read-model schema (through the connections'
 * `search_path`, which costs nothing per query, unlike a query-rewriting plugin).
 * @example
 * const { reader, close } = createReadModelConnection({ connectionString: process.env.DATABASE_URL! });
 * const page = await listDeploymentDocuments(reader, scope, {}, { page_size: 20 });
 * await close();
 */
export function createReadModelConnection(options: ReadModelConnectionOptions): ReadModelConnection {
  const { timeouts } = options;
  const openPool = (settings = '') => {
    const p = new pg.Pool({
      connectionString: options.connectionString,
      max: options.max ?? 10,
      application_name: options.applicationName ?? 'publisher-read-model',
      options: `${readModelSessionOptions(options.schema ?? READ_MODEL_SCHEMA)}${settings}`,
      types: readModelTypes,
      ...(timeouts !== undefined && pgPoolTimeouts(timeouts)),
    });
    p.on('error', (err) => {
      // pg-pool attaches the client; logged, it would dump the client's whole state.
      delete (err as { client?: unknown }).client;
      options.onPoolError?.(err);
    });
    return p;
  };
  const pool = openPool();
  // The batched reader's statements get their own connections, which always run a statement's
  // generic plan. Their values travel in arrays, so a custom plan learns nothing from them but the
  // batch's size; and since a batch of one looks cheaper planned for one row, PostgreSQL would keep
  // planning anew (custom plans) every small batch — a quiet server's normal case. Kysely's
  // queries keep the default choice on their own pool. Measure: `pnpm bench:reads` (`-uncached`).
  const readerPool = openPool(' -c plan_cache_mode=force_generic_plan');
  const db = new Kysely<ReadModelDatabase>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) });
  const reader = new BatchedReader(
    poolRowSource(readerPool),
    timeouts === undefined ? {} : { timeoutMs: timeouts.queryTimeoutMs },
  );
  let closed: Promise<void> | undefined;
  return {
    pool,
    db,
    reader,
    close: () => {
      closed ??= Promise.all([db.destroy(), readerPool.end()]).then(() => undefined);
      return closed;
    },
  };
}

/**
 * SQLSTATE classes 22 (data exception) and 23 (integrity violation): the data written, not the
 * database, is at fault — so retrying the same write cannot help, but writing less of it may.
 */
export function isDataError(err: unknown): boolean {
  const code = errorCode(err);
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}
