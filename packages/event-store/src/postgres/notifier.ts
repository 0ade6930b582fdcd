import { type ListenSession, openListenSession, quoteIdent, sleep } from '@publisher/coordination';
import pg from 'pg';
import type { Logger } from 'pino';

/** Least time between two NOTIFYs of one store; appends completing meanwhile share the next one. */
const NOTIFY_MIN_INTERVAL_MS = 5;

/** Called with the transaction id of a committed append, or null for "something may have changed". */
export type WakeListener = (transactionId: bigint | null) => void;

export interface NotifierOptions {
  /** Connection settings for the dedicated LISTEN and NOTIFY connections. */
  clientConfig: pg.ClientConfig;
  listenApplicationName: string;
  senderApplicationName: string;
  channel: string;
  logger?: Logger;
}

/**
 * Wakes subscribers when events are appended. LISTEN/NOTIFY only shortens the wait: subscribers
 * poll regardless, so a lost notification or a dropped LISTEN connection only adds latency.
 *
 * NOTIFY is sent after the append has committed, not inside its transaction: PostgreSQL serialises
 * the commits of notifying transactions on one lock held across the WAL flush, which costs append
 * throughput with many concurrent writers (measure: `pnpm bench:event-store`). At most one NOTIFY is
 * in flight per store; appends completing meanwhile are folded into the next one (its payload is the
 * highest transaction id).
 * Appends in this process also wake this process's subscribers directly, without the round trip.
 */
export class ChangeNotifier {
  readonly #opts: NotifierOptions;
  readonly #listeners = new Set<WakeListener>();
  #session: ListenSession | null = null;
  #sender: pg.Client | null = null;
  #pendingXid: bigint | null = null;
  #sending: Promise<void> | null = null;
  #closed = false;

  constructor(opts: NotifierOptions) {
    this.#opts = opts;
  }

  /** True while the LISTEN connection is up (subscribers then rely less on polling). */
  get listening(): boolean {
    return this.#session?.listening ?? false;
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
        const sender = await this.#senderClient();
        await sender.query('SELECT pg_notify($1, $2)', [this.#opts.channel, xid.toString()]);
      } catch (err) {
        // Polling covers a lost notification; a real outage shows up on the appends themselves.
        this.#opts.logger?.debug({ err }, 'event store NOTIFY failed');
        this.#dropSender();
      }
      // Bounds the NOTIFY rate (each is a small transaction of its own) at the cost of a few ms.
      if (this.#pendingXid !== null) await sleep(NOTIFY_MIN_INTERVAL_MS);
    }
    this.#sending = null;
  }

  /**
   * NOTIFY goes through its own connection so it never takes a pool slot from appends, with
   * synchronous_commit off: a NOTIFY transaction needs no durability, and without it each one
   * would wait for a WAL flush while holding the server's notify lock.
   */
  async #senderClient(): Promise<pg.Client> {
    if (this.#sender) return this.#sender;
    const client = new pg.Client({ ...this.#opts.clientConfig, application_name: this.#opts.senderApplicationName });
    client.on('error', () => {
      if (this.#sender === client) this.#dropSender();
    });
    this.#sender = client;
    try {
      await client.connect();
      await client.query('SET synchronous_commit = off');
    } catch (err) {
      this.#dropSender();
      throw err;
    }
    return client;
  }

  #dropSender(): void {
    const client = this.#sender;
    this.#sender = null;
    client?.end().catch(() => {});
  }

  /** Registers a wake-up listener; the LISTEN connection runs while at least one is registered. */
  subscribe(listener: WakeListener): () => void {
    this.#listeners.add(listener);
    if (!this.#session && !this.#closed) {
      this.#session = openListenSession({
        client: { ...this.#opts.clientConfig, application_name: this.#opts.listenApplicationName },
        channel: quoteIdent(this.#opts.channel),
        onNotification: (payload) => this.#emit(/^\d+$/.test(payload) ? BigInt(payload) : null),
        // Notifications sent while we were not listening are lost: let everyone look once.
        onListening: () => this.#emit(null),
        onLost: (err, retryInMs) =>
          this.#opts.logger?.warn(
            { err, retry_in_ms: Math.round(retryInMs) },
            'event store LISTEN connection lost; polling',
          ),
      });
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) void this.#disconnect();
    };
  }

  #emit(xid: bigint | null): void {
    for (const l of this.#listeners) l(xid);
  }

  async #disconnect(): Promise<void> {
    const session = this.#session;
    this.#session = null;
    await session?.close();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    await this.#disconnect();
    await this.#sending;
    this.#dropSender();
  }
}
