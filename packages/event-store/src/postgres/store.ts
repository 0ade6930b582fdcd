import { createHash } from 'node:crypto';
import { quoteIdent } from '@publisher/coordination';
import pg from 'pg';
import type { Logger } from 'pino';
import type {
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
} from '../port.ts';
import { type AppendOutcome, appendEvents } from './append.ts';
import { AppendCoalescer } from './append-coalescer.ts';
import { migrateEventStore } from './migrate.ts';
import { ChangeNotifier } from './notifier.ts';
import { idleConnectionError, toStoreError } from './pg-errors.ts';
import {
  type ReadShardOptions,
  readAllEvents,
  readCommittedHeadPosition,
  readHeadPosition,
  readShardEvents,
  readStreamEvents,
} from './reads.ts';
import { StreamReadBatcher } from './stream-reads.ts';
import { subscribeToAll } from './subscription.ts';

export interface PostgresEventStoreOptions {
  /** PostgreSQL URL; the store then owns its pool (and closes it). Either this or `pool`. */
  connectionString?: string;
  /** An existing pool to share; `close()` leaves it open. Either this or `connectionString`. */
  pool?: pg.Pool;
  logger?: Logger;
  /** How often an idle subscription polls when no notification wakes it (default 250 ms). */
  pollIntervalMs?: number;
  /** Schema holding the store's tables (default `event_store`); created by `migrate()`. */
  schema?: string;
  /** Connections in the store's own pool (default 10). Ignored with `pool`. */
  poolSize?: number;
  /**
   * `idle_in_transaction_session_timeout` of the store's own sessions (default 10 000 ms): a
   * transaction left open holds back what every subscriber can read. Ignored with `pool`.
   */
  idleInTransactionTimeoutMs?: number;
  /** `statement_timeout` of the store's own sessions (default 30 000 ms). Ignored with `pool`. */
  statementTimeoutMs?: number;
  /** How long to wait for a connection before answering unavailable (default 5 000 ms). Ignored with `pool`. */
  connectionTimeoutMs?: number;
  /**
   * Client side: a query without an answer after this long fails as unavailable and its connection
   * is discarded (default `statementTimeoutMs` + 5 000 ms). It catches a server or network that hangs,
   * which `statement_timeout` (enforced by the server) cannot. Ignored with `pool`.
   */
  queryTimeoutMs?: number;
  /** `application_name` of the store's sessions, shown in pg_stat_activity (default `publisher-event-store`). */
  applicationName?: string;
  /**
   * Group commit: appends in flight at once (default 1). While that many are in flight, further
   * appends queue and then go together as one call and one transaction, each still checked
   * against its own expected revision (see README). 0 turns coalescing off: every append is its
   * own call, however many run at once.
   */
  appendConcurrency?: number;
  /** Most appends coalesced into one call (default 64). */
  maxAppendBatch?: number;
  /**
   * Bytes of appends (their events' JSON) that may wait for a group-commit slot; beyond them an
   * append fails at once with AppendQueueFullError (code APPEND_QUEUE_FULL). Default 16 MiB.
   */
  maxQueuedAppendBytes?: number;
  /** Told the number of appends in every group-commit call (see `appendConcurrency`). */
  onAppendBatch?: (size: number) => void;
}

/** Appends in flight at once before further ones are coalesced (see `appendConcurrency`). */
const DEFAULT_APPEND_CONCURRENCY = 1;

/** The PostgreSQL adapter: the port plus schema management and its pool. */
export interface PostgresEventStore extends EventStore {
  /** Creates or upgrades the schema; idempotent and safe to run from several processes at once. */
  migrate(): Promise<void>;
  readonly pool: pg.Pool;
  readonly schema: string;
  /** One part of the log up to a readable position, cut by stream (see `ReadShardOptions`): a rebuild's threads each fold one. */
  readShard(options: ReadShardOptions): Promise<RecordedEvent[]>;
}

/**
 * Creates the PostgreSQL event store. Call `migrate()` once at start-up before using it.
 *
 * @example
 * const store = createPostgresEventStore({ connectionString: process.env.DATABASE_URL, logger });
 * await store.migrate();
 * const { position } = await store.append('publishing-record-' + id, [event], 'no_stream');
 * for await (const batch of store.subscribe({ after: checkpoint, signal })) handle(batch);
 * await store.close();
 */
export function createPostgresEventStore(options: PostgresEventStoreOptions): PostgresEventStore {
  const schema = options.schema ?? 'event_store';
  const schemaSql = quoteIdent(schema);
  const logger = options.logger;
  const applicationName = options.applicationName ?? 'publisher-event-store';
  const ownPool = !options.pool;
  let pool: pg.Pool;
  if (options.pool) {
    pool = options.pool;
  } else if (options.connectionString) {
    const statementTimeoutMs = options.statementTimeoutMs ?? 30_000;
    pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      application_name: applicationName,
      idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? 10_000,
      statement_timeout: statementTimeoutMs,
      query_timeout: options.queryTimeoutMs ?? statementTimeoutMs + 5_000,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
      // Also inherited by the LISTEN connection, which otherwise could sit on a dead socket unnoticed.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    // An idle client losing its connection (server restart) is dropped by the pool, which opens a
    // new one on the next query; without a listener that error would crash the process.
    pool.on('error', (err) => logger?.warn({ err: idleConnectionError(err) }, 'event store idle connection lost'));
  } else {
    throw new TypeError('createPostgresEventStore needs a connectionString or a pool');
  }

  const notifier = new ChangeNotifier({
    clientConfig: pool.options as pg.ClientConfig,
    listenApplicationName: `${applicationName}-listen`,
    senderApplicationName: `${applicationName}-notify`,
    channel: `${schema}.appended`,
    logger,
  });
  // Named prepared statements live per connection and per name: the name must differ per schema.
  const schemaHash = createHash('sha1').update(schema).digest('hex').slice(0, 12);
  const appendStatement = `es_append_${schemaHash}`;
  const appendConcurrency = options.appendConcurrency ?? DEFAULT_APPEND_CONCURRENCY;
  if (!Number.isSafeInteger(appendConcurrency) || appendConcurrency < 0) {
    throw new RangeError(`appendConcurrency must be a non-negative integer, got ${String(appendConcurrency)}`);
  }
  const coalescer =
    appendConcurrency > 0
      ? new AppendCoalescer({
          pool,
          schemaSql,
          singleStatement: appendStatement,
          batchStatement: `es_append_batch_${schemaHash}`,
          maxInFlight: appendConcurrency,
          maxBatchSize: options.maxAppendBatch ?? 64,
          maxQueuedBytes: options.maxQueuedAppendBytes ?? 16 * 1024 * 1024,
          onBatch: options.onAppendBatch,
        })
      : null;
  const appendOnce = (stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendOutcome> =>
    coalescer
      ? coalescer.append(stream, events, expected)
      : appendEvents(pool, schemaSql, appendStatement, stream, events, expected);
  const streamReads = new StreamReadBatcher({ pool, schemaSql });
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  let closed = false;
  // Ends every subscription when the store closes, so consumers' loops finish instead of failing.
  const closing = new AbortController();

  const guard = async <T>(operation: string, run: () => Promise<T>): Promise<T> => {
    if (closed) throw new Error('event store is closed');
    try {
      return await run();
    } catch (err) {
      throw toStoreError(err, operation);
    }
  };

  const readAll = (opts?: ReadAllOptions) => guard('readAll', () => readAllEvents(pool, schemaSql, opts));

  return {
    pool,
    schema,
    async migrate(): Promise<void> {
      await guard('migrate', () => migrateEventStore(pool, schema, logger));
    },
    async append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
      const outcome = await guard('append', () => appendOnce(stream, events, expected));
      if (outcome.transactionId !== null) notifier.announce(outcome.transactionId);
      return outcome.result;
    },
    readStream(stream: string, opts?: ReadStreamOptions): Promise<RecordedEvent[]> {
      return guard('readStream', () => readStreamEvents(streamReads, stream, opts));
    },
    readAll,
    readShard(opts: ReadShardOptions): Promise<RecordedEvent[]> {
      return guard('readShard', () => readShardEvents(pool, schemaSql, opts));
    },
    subscribe(opts?: SubscribeOptions): AsyncIterable<RecordedEvent[]> {
      const signal = opts?.signal ? AbortSignal.any([opts.signal, closing.signal]) : closing.signal;
      const committedHead = () => readCommittedHeadPosition(pool, schemaSql);
      return subscribeToAll({ readAll, committedHead, notifier, pollIntervalMs, logger }, { ...opts, signal });
    },
    headPosition(): Promise<Position | null> {
      return guard('headPosition', () => readHeadPosition(pool, schemaSql));
    },
    committedHeadPosition(): Promise<Position | null> {
      return guard('committedHeadPosition', () => readCommittedHeadPosition(pool, schemaSql));
    },
    async ping(): Promise<void> {
      await guard('ping', () => pool.query('SELECT 1'));
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      closing.abort();
      // Queued appends were accepted before close: let them finish before the pool goes.
      await coalescer?.idle();
      await notifier.close();
      if (ownPool) await pool.end();
    },
  };
}
