import { createHash } from 'node:crypto';
import pg from 'pg';
import { sleep } from './sleep.ts';

/** First half of every named lock's key ("plck"); the event store's stream locks use another. */
const ADVISORY_LOCK_CLASS = 0x706c636b;

/**
 * The two int4 keys of the lock `name`: the class and the first 32 bits of the name's SHA-256 —
 * computed here, not by PostgreSQL's `hashtext`, so the key is the same for every process and server
 * version, can be inlined into a batch of SQL, and can be found in `pg_locks` (`classid`, `objid`).
 * @example
 * advisoryLockKey('read-model:migrate'); // [1886151531, 1019932480]
 */
export function advisoryLockKey(name: string): [number, number] {
  return [ADVISORY_LOCK_CLASS, createHash('sha256').update(name).digest().readInt32BE(0)];
}

/**
 * Runs `fn` in a transaction holding the transaction-level lock `name`, on a connection of `pool`,
 * and commits (rolls back on a throw). The lock ends with the transaction, so nothing can leave it
 * held: concurrent start-ups migrate one at a time, concurrent rotations of a secret too.
 * @example
 * await withAdvisoryXactLock(pool, 'rate-limit:migrate', (client) => client.query('CREATE TABLE IF NOT EXISTS …'));
 */
export async function withAdvisoryXactLock<T>(
  pool: Pick<pg.Pool, 'connect'>,
  name: string,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let failed: unknown;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', advisoryLockKey(name));
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    failed = err;
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    // After a failure the connection may be broken: it is dropped, not handed to the next user.
    client.release(failed instanceof Error ? failed : undefined);
  }
}

/**
 * Tries to take the session-level lock `name` without waiting; true when this session now holds it
 * (until `advisoryUnlock` or the session ends).
 * @example
 * if (await tryAdvisoryLock(client, 'command-api:stuck-record-sweep')) …
 */
export async function tryAdvisoryLock(client: pg.ClientBase, name: string): Promise<boolean> {
  const { rows } = await client.query<{ locked: boolean }>(
    'SELECT pg_try_advisory_lock($1, $2) AS locked',
    advisoryLockKey(name),
  );
  return rows[0]?.locked === true;
}

/**
 * Takes the session-level lock `name`, waiting for its holder.
 * @example await advisoryLock(session.client, 'swap:read_models');
 */
export async function advisoryLock(client: pg.ClientBase, name: string): Promise<void> {
  await client.query('SELECT pg_advisory_lock($1, $2)', advisoryLockKey(name));
}

/**
 * Releases the session-level lock `name` (once per take).
 * @example await advisoryUnlock(session.client, 'swap:read_models');
 */
export async function advisoryUnlock(client: pg.ClientBase, name: string): Promise<void> {
  await client.query('SELECT pg_advisory_unlock($1, $2)', advisoryLockKey(name));
}

export interface LeadershipOptions {
  /** The lock's name: one leader per name. */
  name: string;
  /** The dedicated session's connection (connection string, application name, timeouts, types…). */
  client: pg.ClientConfig;
  /** Aborting it ends the wait (`acquireLeadership` then rejects with its reason). */
  signal: AbortSignal;
  /** Standing by and taking over are logged at info, failed tries at warn (pino's logger fits). */
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** How often a standby tries the lock again, and the wait before reconnecting (default 2000 ms). */
  retryMs?: number;
  /** Called at every try that finds another holder. */
  onStandby?: () => void;
  /** Called when a try fails (connection or query), before the session is opened again. */
  onError?: (err: unknown) => void;
}

export interface Leadership {
  /** Aborted (with the error, if any) when the lock's session ends: the holder must stop at once. */
  readonly signal: AbortSignal;
  /** The session holding the lock; writing through it guarantees no write without the lock. */
  readonly client: pg.Client;
  /** Ends the session, which releases the lock. */
  release(): Promise<void>;
}

/**
 * Waits until this process holds the session-level lock `name` on a dedicated session. A standby
 * keeps its session and tries again every `retryMs`; a failed connection or query is logged and
 * the session opened again. Because the lock lives on its own session, a crashed holder (even
 * SIGKILL) frees it as soon as the server sees the connection close.
 *
 * @example
 * const leadership = await acquireLeadership({ name: 'kafka-relay:kafka-relay', client: { connectionString }, signal, logger });
 * try { await relay(AbortSignal.any([signal, leadership.signal])); } finally { await leadership.release(); }
 */
export async function acquireLeadership(options: LeadershipOptions): Promise<Leadership> {
  const { name, signal, logger } = options;
  const retryMs = options.retryMs ?? 2000;
  let waiting = false;
  for (;;) {
    signal.throwIfAborted();
    const client = new pg.Client(options.client);
    const lost = new AbortController();
    // The first reason stays: a later abort() is a no-op.
    const onLost = (err?: Error) => lost.abort(err ?? new Error('advisory lock session ended'));
    client.on('error', onLost);
    client.on('end', () => onLost());
    try {
      await client.connect();
      while (!(await tryAdvisoryLock(client, name))) {
        if (!waiting) logger.info({ lock: name }, 'another instance holds the lock; standing by');
        waiting = true;
        options.onStandby?.();
        await sleep(retryMs, signal);
        signal.throwIfAborted();
      }
      if (waiting) logger.info({ lock: name }, 'lock acquired; this instance is now active');
      return {
        signal: lost.signal,
        client,
        release: async () => {
          client.removeAllListeners('end');
          await client.end().catch(() => {});
        },
      };
    } catch (err) {
      await client.end().catch(() => {});
      signal.throwIfAborted();
      logger.warn({ err, lock: name, retry_in_ms: retryMs }, 'cannot take the lock; retrying');
      options.onError?.(err);
    }
    await sleep(retryMs, signal);
  }
}
