import { sleep } from '@publisher/coordination';
import pg from 'pg';
import type { Logger } from 'pino';

export interface Leadership {
  /** Aborted when the lock's session is lost: the holder must stop relaying at once. */
  readonly signal: AbortSignal;
  release(): Promise<void>;
}

/**
 * Waits until this process holds the relay's PostgreSQL advisory lock (one active relay per name;
 * others stand by). The lock lives on a dedicated session, so a crashed relay (even SIGKILL) frees
 * it as soon as the server sees the connection close.
 *
 * @example
 * const leadership = await acquireLeadership({ connectionString, name: 'kafka-relay', signal, logger });
 * try { await relay(AbortSignal.any([signal, leadership.signal])); } finally { await leadership.release(); }
 */
export async function acquireLeadership(options: {
  connectionString: string;
  name: string;
  signal: AbortSignal;
  logger: Logger;
  retryMs?: number;
  /** Bounds of connecting and of the lock query (a hung server must not hold the standby loop). */
  connectTimeoutMs?: number;
  queryTimeoutMs?: number;
}): Promise<Leadership> {
  const { name, signal, logger } = options;
  const retryMs = options.retryMs ?? 2000;
  let waiting = false;
  for (;;) {
    signal.throwIfAborted();
    // The pid in the session name lets operators (and tests) see which process is the active relay.
    const client = new pg.Client({
      connectionString: options.connectionString,
      application_name: `${name}-lock-${process.pid}`,
      connectionTimeoutMillis: options.connectTimeoutMs,
      query_timeout: options.queryTimeoutMs,
    });
    const lost = new AbortController();
    const onLost = (err?: Error) => {
      if (!lost.signal.aborted) lost.abort(err ?? new Error('advisory lock session ended'));
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    try {
      await client.connect();
      const { rows } = await client.query<{ locked: boolean }>(
        "SELECT pg_try_advisory_lock(hashtext('publisher-kafka-relay:' || $1)) AS locked",
        [name],
      );
      if (rows[0]?.locked) {
        if (waiting) logger.info({ relay: name }, 'relay lock acquired; this instance is now active');
        return {
          signal: lost.signal,
          release: async () => {
            client.removeAllListeners('end');
            await client.end().catch(() => {});
          },
        };
      }
      if (!waiting) logger.info({ relay: name }, 'another relay instance is active; standing by');
      waiting = true;
    } catch (err) {
      logger.warn({ err, retry_in_ms: retryMs }, 'cannot take the relay lock; retrying');
    }
    await client.end().catch(() => {});
    await sleep(retryMs, signal);
  }
}
