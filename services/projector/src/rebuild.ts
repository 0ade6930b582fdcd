import { availableParallelism } from 'node:os';
import { advisoryLock, advisoryUnlock, errorMessage, quoteIdent, tryAdvisoryLock } from '@publisher/coordination';
import { decodePosition, type EventStore, idleConnectionError, type PostgresEventStore } from '@publisher/event-store';
import {
  type CheckpointNotice,
  checkpointNoticeSql,
  compareAndSetCheckpoint,
  countsSql,
  createReadModelIndexes,
  migrateReadModel,
  READ_MODEL_SCHEMA,
  READ_MODELS_PROJECTION,
} from '@publisher/read-model';
import pg from 'pg';
import type { Logger } from 'pino';
import { bulkReplay } from './bulk-replay.ts';
import { catchUp } from './catch-up.ts';
import { isPoisonEvent, RebuildFailedError } from './errors.ts';
import { lockKeys, openRebuildSession } from './session.ts';
import { shardedReplay } from './sharded-replay.ts';

/** Default bound of a rebuild's write transaction (`maxTransactionMs`). */
export const DEFAULT_MAX_TRANSACTION_MS = 100;

/** Memory for each index build after the replay (and its parallel workers). */
const REBUILD_MAINTENANCE_WORK_MEM = '512MB';

/** Default rows the replay keeps in memory before it writes them out: the bound on a rebuild's heap. */
export const DEFAULT_MAX_ROWS = 1_000_000;

/** Replay threads by default (`replayThreads`): the machine's cores, at most 4 (PostgreSQL's COPYs need cores too). */
export const DEFAULT_REPLAY_THREADS = Math.min(availableParallelism(), 4);

type RebuildPhase = 'replaying' | 'indexing' | 'catching_up' | 'swapping' | 'done';

export interface RebuildProgress {
  phase: RebuildPhase;
  /** Events processed so far (all phases). */
  events: number;
  position: string | null;
  /** Head of the log when the rebuild started (null: empty log). */
  head: string | null;
  /** Estimated events in the log at the start, from the head position (PostgreSQL store), or null. */
  estimated_total: number | null;
  elapsed_ms: number;
}

export interface RebuildOptions {
  store: EventStore;
  connectionString: string;
  logger: Logger;
  projection?: string;
  /** Events per transaction during the replay (default 5000: replays are bound by round trips). */
  batchSize?: number;
  /**
   * Longest a write transaction should take (default 100 ms; 0: no bound): while it runs, the live
   * projector and the relay see no newer event (see `catchUp`), so on a loaded machine the replay
   * writes smaller chunks rather than hold them back for seconds.
   */
  maxTransactionMs?: number;
  /** Schema to fill (default `read_model_rebuild`); it replaces `read_model` at the swap. */
  rebuildSchema?: string;
  /** Records and deployments the replay keeps folded in memory (default `DEFAULT_MAX_ROWS`); see `bulkReplay`. */
  maxRows?: number;
  /**
   * Threads the replay runs on when it has no time budget (`maxTransactionMs` 0) and the store is
   * PostgreSQL's (see `shardedReplay`); default: the machine's cores, at most 4. With a budget the
   * replay runs beside live services and takes one thread.
   */
  replayThreads?: number;
  /** Whether the store's positions count events (PostgreSQL: yes), which makes `estimated_total` meaningful. */
  positionsCountEvents?: boolean;
  onProgress?: (p: RebuildProgress) => void;
}

export interface RebuildResult {
  events: number;
  position: string | null;
  elapsed_ms: number;
  /** Events per second of the replay phase alone. */
  replay_events_per_second: number;
}

/**
 * Rebuilds the read models without downtime: replays the whole log into a fresh schema (folding
 * rows in memory, `bulkReplay`; without secondary indexes, which are built afterwards, in one go),
 * catches up batch by batch as the live projector does, then — holding the swap
 * lock, which pauses the live projector between two batches — catches up the last events and
 * renames the schemas in one transaction. Readers see either the old tables or the new ones,
 * never a mix; the live projector then continues from the new checkpoint. On any failure (a
 * poison event included) the live schema is untouched.
 *
 * @example
 * const result = await rebuildReadModels({ store, connectionString, logger, onProgress: (p) => bar.update(p.events) });
 */
export async function rebuildReadModels(options: RebuildOptions): Promise<RebuildResult> {
  const projection = options.projection ?? READ_MODELS_PROJECTION;
  const live = READ_MODEL_SCHEMA;
  const target = options.rebuildSchema ?? `${live}_rebuild`;
  const old = `${live}_old`;
  const batchSize = options.batchSize ?? 5000;
  const maxTransactionMs = options.maxTransactionMs ?? DEFAULT_MAX_TRANSACTION_MS;
  const log = options.logger.child({ projection, rebuild_schema: target });
  const started = Date.now();
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    // One connection per read-model table: their indexes are built side by side after the replay.
    max: 4,
    application_name: 'publisher-rebuild',
    // The index builds after the replay sort every row of the log's audit table: with the default
    // 64 MB a build spills to many sorted runs and gets at most one parallel worker (each needs 32 MB).
    options: `-c maintenance_work_mem=${REBUILD_MAINTENANCE_WORK_MEM}`,
  });
  // An idle connection the server ends (a restart, an operator's pg_terminate_backend) must not
  // take the process down with an unhandled 'error': the next query on the pool fails instead.
  pool.on('error', (err) => log.warn({ err: idleConnectionError(err) }, 'rebuild: idle database connection lost'));
  const session = await openRebuildSession(options.connectionString, target);
  let swapLocked = false;
  try {
    if (!(await tryAdvisoryLock(session.client, lockKeys.rebuild(projection)))) {
      throw new RebuildFailedError(`another rebuild of ${projection} is running`);
    }
    await migrateReadModel(pool, { logger: log });
    await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(target)} CASCADE`);
    await migrateReadModel(pool, { schema: target, indexes: false, logger: log });
    // The counting triggers (migrations 7 and 8) are off while the replay writes, and the counts
    // are filled once it is done (`countsSql`): replay threads upserting the same counts rows from
    // every COPY would wait on each other. Catching up, the triggers count. A new user trigger on
    // these tables is off during the replay too.
    const counting = (on: boolean) =>
      pool.query(
        ['audit_events', 'publishing_records', 'deployments']
          .map((table) => `ALTER TABLE ${quoteIdent(target)}.${table} ${on ? 'ENABLE' : 'DISABLE'} TRIGGER USER;`)
          .join('\n'),
      );
    await counting(false);

    const head = await options.store.headPosition();
    const estimatedTotal =
      head !== null && (options.positionsCountEvents ?? false) ? Number(decodePosition(head).low) : null;
    let events = 0;
    let position: string | null = null;
    const report = (phase: RebuildPhase) =>
      options.onProgress?.({
        phase,
        events,
        position,
        head,
        estimated_total: estimatedTotal,
        elapsed_ms: Date.now() - started,
      });
    const phase = async (name: RebuildPhase) => {
      const before = events;
      report(name);
      position = await catchUp(options.store, session, {
        projection,
        batchSize,
        maxTransactionMs: maxTransactionMs > 0 ? maxTransactionMs : undefined,
        onBatch: (p) => {
          events = before + p.events;
          position = p.position;
          report(name);
        },
      });
    };

    log.info({ head, estimated_total: estimatedTotal }, 'rebuild: replaying the log');
    const replayStarted = Date.now();
    report('replaying');
    const threads = maxTransactionMs > 0 ? 1 : (options.replayThreads ?? DEFAULT_REPLAY_THREADS);
    if (threads > 1 && head !== null && isPostgresStore(options.store)) {
      log.info({ threads }, 'rebuild: replaying on several threads, the log cut by stream');
      events = await shardedReplay({
        connectionString: options.connectionString,
        eventStoreSchema: options.store.schema,
        schema: target,
        projection,
        batchSize,
        maxRows: options.maxRows ?? DEFAULT_MAX_ROWS,
        shards: threads,
        until: head,
        onProgress: (n) => {
          events = n;
          report('replaying');
        },
      });
      position = head;
      if (!(await compareAndSetCheckpoint(session.db, projection, null, head))) {
        throw new Error(`the checkpoint of ${projection} moved during the replay (another writer?)`);
      }
    } else {
      position = await bulkReplay(options.store, session, {
        projection,
        batchSize,
        maxRows: options.maxRows ?? DEFAULT_MAX_ROWS,
        maxTransactionMs: maxTransactionMs > 0 ? maxTransactionMs : undefined,
        onBatch: (p) => {
          events = p.events;
          position = p.position;
          report('replaying');
        },
      });
    }
    await pool.query(countsSql(quoteIdent(target)));
    await counting(true);
    const replayMs = Date.now() - replayStarted;
    const replayed = events;
    report('indexing');
    log.info({ events, position }, 'rebuild: replayed; creating indexes');
    // Without a transaction budget nothing live is protected: plain builds, two at a time.
    await createReadModelIndexes(pool, target, { logger: log, online: maxTransactionMs > 0 });
    await phase('catching_up');

    report('swapping');
    // Exclusive side of the swap fence: waits for the live projector's batch in flight, then holds
    // its next batch back until the schemas are renamed.
    await advisoryLock(session.client, lockKeys.swap(projection));
    swapLocked = true;
    await phase('swapping');
    await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(old)} CASCADE`);
    await session.client.query('BEGIN');
    try {
      await session.client.query(`ALTER SCHEMA ${quoteIdent(live)} RENAME TO ${quoteIdent(old)}`);
      await session.client.query(`ALTER SCHEMA ${quoteIdent(target)} RENAME TO ${quoteIdent(live)}`);
      // Every row may differ now (that is what a rebuild is for): a notice without `accounts`
      // tells readers to drop whatever they cached, delivered when the swap commits.
      const notice: CheckpointNotice = { schema: live, name: projection, position };
      await session.client.query(checkpointNoticeSql(notice));
      await session.client.query('COMMIT');
    } catch (err) {
      await session.client.query('ROLLBACK').catch(() => {});
      throw err;
    }
    await advisoryUnlock(session.client, lockKeys.swap(projection));
    swapLocked = false;
    log.info({ events, position }, 'rebuild: swapped; dropping the old read models');
    // Waits for reads still running on the old tables; new reads already use the new ones.
    await pool
      .query(`DROP SCHEMA IF EXISTS ${quoteIdent(old)} CASCADE`)
      .catch((err) =>
        log.warn({ err, schema: old }, 'rebuild: could not drop the old read models (next rebuild will)'),
      );
    report('done');
    return {
      events,
      position,
      elapsed_ms: Date.now() - started,
      replay_events_per_second: replayMs > 0 ? (replayed / replayMs) * 1000 : 0,
    };
  } catch (err) {
    await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(target)} CASCADE`).catch(() => {});
    if (err instanceof RebuildFailedError) throw err;
    const why = isPoisonEvent(err) ? err.message : `rebuild failed: ${errorMessage(err)}`;
    throw new RebuildFailedError(`${why}; the live read models were not changed`, { cause: err });
  } finally {
    if (swapLocked) await session.client.query('SELECT pg_advisory_unlock_all()').catch(() => {});
    await session.close();
    await pool.end();
  }
}

/** The PostgreSQL store can be read in parts by stream (`readShard`), which a replay on several threads needs. */
function isPostgresStore(store: EventStore): store is PostgresEventStore {
  return typeof (store as Partial<PostgresEventStore>).readShard === 'function';
}
