import pg from 'pg';
import { createBackoff } from './backoff.ts';

export interface ListenSessionOptions {
  /** The dedicated connection's settings (with its `application_name`). */
  client: pg.ClientConfig;
  /** A channel name as written in SQL (an identifier, quoted if it needs to be). */
  channel: string;
  /** A notification's payload ('' when it had none). */
  onNotification(payload: string): void;
  /**
   * Each time LISTEN is in place, the first time and after every reconnect: notifications sent
   * while no session listened are lost, so this is where the owner looks for itself once.
   */
  onListening?(): void;
  /** Told when the session is lost and when it will reconnect. */
  onLost?(err: unknown, retryInMs: number): void;
}

export interface ListenSession {
  /** True while LISTEN is in place. */
  readonly listening: boolean;
  /** Ends the session; no reconnect follows. */
  close(): Promise<void>;
}

/**
 * A LISTEN session on its own connection that comes back by itself: a lost connection (a server
 * restart, a network cut) is reconnected after a jittered backoff, so the processes one restart
 * disconnected do not reconnect in lockstep. Notifications only ever shorten a wait here — their
 * owners poll as well — so a session that is down costs latency, not correctness.
 *
 * @example
 * const session = openListenSession({ client: { connectionString }, channel: 'changes', onNotification: wake });
 * await session.close();
 */
export function openListenSession(options: ListenSessionOptions): ListenSession {
  const reconnect = createBackoff({ firstMs: 100, maxMs: 5000, jitter: 'full' });
  let current: pg.Client | null = null;
  let listening = false;
  let retryTimer: NodeJS.Timeout | null = null;
  let closed = false;

  const connect = async (): Promise<void> => {
    const client = new pg.Client(options.client);
    current = client;
    const lost = (err: unknown) => {
      if (current !== client) return;
      current = null;
      listening = false;
      client.removeAllListeners('notification');
      client.end().catch(() => {});
      if (closed) return;
      const retryInMs = reconnect.next();
      options.onLost?.(err, retryInMs);
      retryTimer = setTimeout(() => {
        retryTimer = null;
        if (!closed) void connect();
      }, retryInMs);
      retryTimer.unref();
    };
    client.on('error', lost);
    client.on('end', () => lost(new Error('LISTEN connection ended')));
    client.on('notification', (msg) => {
      if (current === client) options.onNotification(msg.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${options.channel}`);
      if (current !== client) return;
      listening = true;
      reconnect.reset();
      options.onListening?.();
    } catch (err) {
      lost(err);
    }
  };
  void connect();

  return {
    get listening() {
      return listening;
    },
    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      const client = current;
      current = null;
      listening = false;
      await client?.end().catch(() => {});
    },
  };
}
