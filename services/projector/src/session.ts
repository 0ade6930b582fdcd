import {
  READ_MODEL_LOCK_CLASS,
  type ReadModelDatabase,
  readModelSessionOptions,
  readModelTypes,
} from '@publisher/read-model';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DatabaseTimeouts } from './config.ts';

/**
 * One dedicated PostgreSQL session. The projector holds its advisory lock on this session AND
 * writes through it: if the session dies the lock is gone, and so is any way to keep writing, so
 * a projector can never write without holding the lock.
 */
export interface Session {
  client: pg.Client;
  /** The read-model schema this session writes. */
  schema: string;
  /** Kysely over this one session; unqualified tables are those of `schema` (its search_path). */
  db: Kysely<ReadModelDatabase>;
  /** Settles when the session ends or fails (never rejects). */
  ended: Promise<Error>;
  close(): Promise<void>;
}

export interface SessionOptions {
  connectionString: string;
  schema: string;
  applicationName: string;
  /** Extra `SET` statements for the session, e.g. `synchronous_commit = off` for a rebuild. */
  settings?: Record<string, string>;
  /** Connect, statement (server side) and query (client side) timeouts; none when left out. */
  timeouts?: DatabaseTimeouts;
}

/**
 * Opens a session.
 * @example
 * const s = await openSession({ connectionString, schema: 'read_model', applicationName: 'publisher-projector' });
 * if (await tryAdvisoryLock(s.client, 'projection:read_models')) …
 */
export async function openSession(options: SessionOptions): Promise<Session> {
  const client = new pg.Client({
    connectionString: options.connectionString,
    application_name: options.applicationName,
    keepAlive: true,
    // A query left unanswered (hung server or network) fails, which ends this session, its lock and
    // the loop round: the projector reconnects and resumes from its checkpoint.
    ...(options.timeouts && {
      connectionTimeoutMillis: options.timeouts.connectTimeoutMs,
      statement_timeout: options.timeouts.statementTimeoutMs,
      query_timeout: options.timeouts.queryTimeoutMs,
    }),
    // Unqualified read-model tables resolve in `schema`; timestamps come back as ISO strings.
    options: readModelSessionOptions(options.schema),
    types: readModelTypes,
  });
  let resolveEnded: (err: Error) => void = () => {};
  const ended = new Promise<Error>((resolve) => {
    resolveEnded = resolve;
  });
  client.on('error', (err) => resolveEnded(err));
  client.on('end', () => resolveEnded(new Error('database session ended')));
  await client.connect();
  // A batch transaction holds a transaction id, and the event store shows subscribers only events
  // older than every running transaction: one left open (a paused process) would stall every
  // subscriber. PostgreSQL ends such a session (and with it the lock) after 10 s.
  const settings = { idle_in_transaction_session_timeout: '10000', ...options.settings };
  for (const [name, value] of Object.entries(settings)) {
    await client.query('SELECT set_config($1, $2, false)', [name, value]);
  }
  // Kysely asks a "pool" for connections: this one always hands out the same session.
  const pool = {
    options: {},
    connect: async () => Object.assign(client, { release: () => {} }),
    end: async () => {},
  };
  const db = new Kysely<ReadModelDatabase>({ dialect: new PostgresDialect({ pool }) });
  return {
    client,
    schema: options.schema,
    db,
    ended,
    close: async () => {
      await client.end().catch(() => {});
    },
  };
}

/** Tries to take a session-level advisory lock named `key`; true when this session now holds it. */
export async function tryAdvisoryLock(client: pg.Client, key: string): Promise<boolean> {
  const r = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked', [
    READ_MODEL_LOCK_CLASS,
    key,
  ]);
  return r.rows[0]?.locked === true;
}

/** Lock names; the swap lock fences batch transactions (shared) against a rebuild's swap (exclusive). */
export const lockKeys = {
  projection: (name: string) => `projection:${name}`,
  swap: (name: string) => `swap:${name}`,
  rebuild: (name: string) => `rebuild:${name}`,
};
