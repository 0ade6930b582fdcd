import pg from 'pg';
import type { Logger } from 'pino';
import { quoteIdent } from './migrate.ts';

/** Called with the transaction id of a committed append, or null for "something may have changed". */
export type WakeListener = (transactionId: bigint | null) => void;

export interface NotifierOptions {
  pool: pg.Pool;
  /** Connection settings for the dedicated LISTEN connection. */
  clientConfig: pg.ClientConfig;
  channel: string;
  logger?: Logger;
  /** First reconnect delay after the LISTEN connection drops; doubles up to `maxReconnectDelayMs`. */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
}

/**
 * Wakes subscribers when events are appended. LISTEN/NOTIFY only shortens the wait: subscribers
 * poll regardless, so a lost notification or a dropped LISTEN connection only adds latency.
 *
 * NOTIFY is sent after the append has committed, not inside its transaction: PostgreSQL serialises
 * the commits of notifying transactions on one lock held across the WAL flush, which halved append
 * throughput in our measurement (see README). At most one NOTIFY is in flight per store; appends
 * completing meanwhile are folded into the next one (its payload is the highest transaction id).
 */
export class ChangeNotifier {
  readonly #opts: NotifierOptions;
  readonly #listeners = new Set<WakeListener>();
  #client: pg.Client | null = null;
  #listening = false;
  #reconnectTimer: NodeJS.Timeout | null = null;
  #reconnectDelay: number;
  #pendingXid: bigint | null = null;
  #sending: Promise<void> | null = null;
  #closed = false;

  constructor(opts: NotifierOptions) {
    this.#opts = opts;
    this.#reconnectDelay = opts.reconnectDelayMs ?? 100;
  }

  /** True while the LISTEN connection is up (subscribers then rely less on polling). */
  get listening(): boolean {
    return this.#listening;
  }

  /** Announces a committed append: wakes local subscribers now and others through NOTIFY. */
  announce(transactionId: bigint): void {
    if (this.#closed) return;
    this.#emit(transactionId);
    if (this.#pendingXid === null || transactionId > this.#pendingXid) this.#pendingXid = transactionId;
    if (!this.#sending) this.#sending = this.#flush();
  }

  async #flush(): Promise<void> {
    while (this.#pendingXid !== null && !this.#closed) {
      const xid = this.#pendingXid;
      this.#pendingXid = null;
      try {
        await this.#opts.pool.query('SELECT pg_notify($1, $2)', [this.#opts.channel, xid.toString()]);
      } catch (err) {
        // Polling covers a lost notification; the failure itself shows up on the next append.
        this.#opts.logger?.debug({ err }, 'event store NOTIFY failed');
      }
    }
    this.#sending = null;
  }

  /** Registers a wake-up listener; the LISTEN connection runs while at least one is registered. */
  subscribe(listener: WakeListener): () => void {
    this.#listeners.add(listener);
    if (!this.#client && !this.#reconnectTimer && !this.#closed) void this.#connect();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) void this.#disconnect();
    };
  }

  #emit(xid: bigint | null): void {
    for (const l of this.#listeners) l(xid);
  }

  async #connect(): Promise<void> {
    const client = new pg.Client(this.#opts.clientConfig);
    this.#client = client;
    const lost = (err?: unknown) => {
      if (this.#client !== client) return;
      this.#client = null;
      this.#listening = false;
      client.removeAllListeners('notification');
      client.end().catch(() => {});
      if (this.#closed || this.#listeners.size === 0) return;
      this.#opts.logger?.warn(
        { err, retry_in_ms: this.#reconnectDelay },
        'event store LISTEN connection lost; polling',
      );
      this.#scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', () => lost(new Error('LISTEN connection ended')));
    client.on('notification', (msg) => {
      if (msg.channel !== this.#opts.channel) return;
      const xid = msg.payload && /^\d+$/.test(msg.payload) ? BigInt(msg.payload) : null;
      this.#emit(xid);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdent(this.#opts.channel)}`);
      if (this.#client !== client) return;
      this.#listening = true;
      this.#reconnectDelay = this.#opts.reconnectDelayMs ?? 100;
      // Notifications sent while we were not listening are lost: let everyone look once.
      this.#emit(null);
    } catch (err) {
      lost(err);
    }
  }

  #scheduleReconnect(): void {
    const delay = this.#reconnectDelay;
    this.#reconnectDelay = Math.min(delay * 2, this.#opts.maxReconnectDelayMs ?? 5000);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      if (!this.#closed && this.#listeners.size > 0 && !this.#client) void this.#connect();
    }, delay);
    this.#reconnectTimer.unref();
  }

  async #disconnect(): Promise<void> {
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
    const client = this.#client;
    this.#client = null;
    this.#listening = false;
    if (client) await client.end().catch(() => {});
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    await this.#disconnect();
    await this.#sending;
  }
}
