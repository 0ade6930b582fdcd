import { IDLE_IN_TRANSACTION_TIMEOUT_MS, pgPoolTimeouts } from '@publisher/platform/config';
import { type ReadModelDatabase, readModelSessionOptions, readModelTypes } from '@publisher/read-model';
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
  close(): Promise<void>;
}

export interface SessionOptions {
  connectionString: string;
  schema: string;
  applicationName: string;
  /**
   * Extra settings for the session, e.g. `synchronous_commit = off` for a rebuild. With `timeouts`,
   * their `statement_timeout` and `idle_in_transaction_session_timeout` win over these (startup
   * parameters apply after `-c` options): bound a session through `timeouts`, not here.
   */
  settings?: Record<string, string>;
  /** Connect, statement (server side) and query (client side) timeouts; none when left out. */
  timeouts?: DatabaseTimeouts;
}

/**
 * The connection of a session (what `acquireLeadership` opens for the projector, and `openSession`).
 * @example
 * const leadership = await acquireLeadership({ name, client: sessionConfig(options), signal, logger });
 */
export function sessionConfig(options: SessionOptions): pg.ClientConfig {
  // A batch transaction holds a transaction id, and the event store shows subscribers only events
  // older than every running transaction: one left open (a paused process) would stall every
  // subscriber. PostgreSQL ends such a session (and with it the lock), with or without timeouts.
  const settings = {
    idle_in_transaction_session_timeout: String(IDLE_IN_TRANSACTION_TIMEOUT_MS),
    ...options.settings,
  };
  return {
    connectionString: options.connectionString,
    application_name: options.applicationName,
    keepAlive: true,
    // A query left unanswered (hung server or network) fails, which ends this session, its lock and
    // the loop round: the projector reconnects and resumes from its checkpoint.
    ...(options.timeouts && pgPoolTimeouts(options.timeouts)),
    // Unqualified read-model tables resolve in `schema`; timestamps come back as ISO strings.
    options: [
      readModelSessionOptions(options.schema),
      ...Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`),
    ].join(' '),
    types: readModelTypes,
  };
}

/**
 * A session over a connected client (the one holding the projection lock).
 * @example
 * const session = sessionOn(leadership.client, 'read_model');
 */
export function sessionOn(client: pg.Client, schema: string): Session {
  // Kysely asks a "pool" for connections: this one always hands out the same session.
  const pool = {
    options: {},
    connect: async () => Object.assign(client, { release: () => {} }),
    end: async () => {},
  };
  const db = new Kysely<ReadModelDatabase>({ dialect: new PostgresDialect({ pool }) });
  return {
    client,
    schema,
    db,
    close: async () => {
      await client.end().catch(() => {});
    },
  };
}

/**
 * Opens a session of its own (a rebuild's).
 * @example
 * const s = await openSession({ connectionString, schema: 'read_model_rebuild', applicationName: 'publisher-rebuild' });
 */
export async function openSession(options: SessionOptions): Promise<Session> {
  const client = new pg.Client(sessionConfig(options));
  // A lost connection fails the next query; without a listener its error would end the process.
  client.on('error', () => {});
  await client.connect();
  return sessionOn(client, options.schema);
}

/** Lock names; the swap lock fences batch transactions (shared) against a rebuild's swap (exclusive). */
export const lockKeys = {
  projection: (name: string) => `projection:${name}`,
  swap: (name: string) => `swap:${name}`,
  rebuild: (name: string) => `rebuild:${name}`,
};

/**
 * A session writing a rebuild schema (the rebuild's own, and each replay thread's).
 * @example
 * const session = await openRebuildSession(connectionString, 'read_model_rebuild');
 */
export function openRebuildSession(connectionString: string, schema: string): Promise<Session> {
  // Losing a rebuild's last commits in a crash is harmless: a rebuild starts over from scratch.
  return openSession({
    connectionString,
    schema,
    applicationName: 'publisher-rebuild',
    settings: { synchronous_commit: 'off' },
  });
}
