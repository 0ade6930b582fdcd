import { Position } from '@publisher/contracts';
import { type ListenSession, openListenSession } from '@publisher/coordination';
import { comparePositions } from '@publisher/event-store';
import {
  CHECKPOINT_CHANNEL,
  type ProjectionStop,
  READ_MODEL_SCHEMA,
  READ_MODELS_PROJECTION,
  type ReadModelDatabase,
  readCheckpoint,
} from '@publisher/read-model';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * A `CheckpointNotice` as it arrives: anyone who may connect can NOTIFY the channel, and a position
 * taken on trust would release read-your-writes waiters before their writes are projected.
 */
const NoticePayload = Type.Object({
  schema: Type.String(),
  name: Type.String(),
  position: Type.Union([Position, Type.Null()]),
  accounts: Type.Optional(Type.Array(Type.Integer())),
});
const noticePayload = Compile(NoticePayload);

export type WaitOutcome = 'reached' | 'timeout' | 'stopped';

/**
 * Told when the read models changed: up to `position` (the new `announced` position), the rows
 * of `accounts` changed, or — when `accounts` is null — any row may have (a notice without
 * accounts such as a rebuild's swap, a LISTEN session that was down and may have missed notices,
 * a checkpoint that moved without any notice).
 */
export type ChangeListener = (position: string | null, accounts: readonly number[] | null) => void;

interface Waiter {
  position: string;
  resolve: (outcome: WaitOutcome) => void;
  timer: NodeJS.Timeout;
}

export interface CheckpointWatcherOptions {
  db: Kysely<ReadModelDatabase>;
  /** For the dedicated LISTEN session; null: polling only. */
  connectionString: string | null;
  logger: { warn(obj: object, msg: string): void; debug(obj: object, msg: string): void };
  projection?: string;
  /** Poll period while requests wait (default 100 ms) and while none do (default 1000 ms). */
  busyPollMs?: number;
  idlePollMs?: number;
  /**
   * How long a checkpoint seen by polling may stay unannounced before listeners are told that
   * anything may have changed (default 2000 ms; a writer that does not notify).
   */
  unannouncedMs?: number;
}

/**
 * Knows how far the projector has got, so a request carrying `min_position` can wait (bounded)
 * until its own writes are projected. The projector NOTIFYs after each committed batch, which
 * wakes waiters at once; polling the checkpoint table stays the truth (a lost notification or a
 * dropped LISTEN session only adds latency).
 *
 * @example
 * const watcher = new CheckpointWatcher({ db, connectionString, logger });
 * await watcher.start();
 * if ((await watcher.waitFor(position, 5000)) !== 'reached') throw behind();
 */
export class CheckpointWatcher {
  readonly #o: CheckpointWatcherOptions;
  readonly #projection: string;
  #position: string | null = null;
  #stop: ProjectionStop | null = null;
  #updatedAt: string | null = null;
  #waiters = new Set<Waiter>();
  #listen: ListenSession | null = null;
  #pollTimer: NodeJS.Timeout | null = null;
  #closed = false;
  #refreshing: Promise<void> | null = null;
  #queued: Promise<void> | null = null;
  #listeners: ChangeListener[] = [];
  /** Up to here, every change was told to the listeners (with its accounts when known). */
  #announced: string | null = null;
  #unannouncedTimer: NodeJS.Timeout | null = null;

  constructor(options: CheckpointWatcherOptions) {
    this.#o = options;
    this.#projection = options.projection ?? READ_MODELS_PROJECTION;
  }

  /** Reads the checkpoint once and starts listening and polling. */
  async start(): Promise<void> {
    await this.refresh().catch((err) => this.#o.logger.warn({ err }, 'checkpoint not readable yet'));
    if (this.#o.connectionString) this.#connect(this.#o.connectionString);
    this.#schedulePoll();
  }

  /** The last known checkpoint (a lower bound of the real one). */
  get position(): string | null {
    return this.#position;
  }

  /**
   * The checkpoint up to which listeners know what changed (≤ `position`: a batch is seen by
   * polling a moment before its notice arrives). Cached answers are current as of this one.
   */
  get announced(): string | null {
    return this.#announced;
  }

  /** Why the projection is stopped, or null. */
  get stop(): ProjectionStop | null {
    return this.#stop;
  }

  get updatedAt(): string | null {
    return this.#updatedAt;
  }

  /**
   * Re-reads the checkpoint from the database, in a query that starts after the call: a read already
   * running may have begun before the caller's write committed, so callers arriving meanwhile share
   * one read queued behind it.
   */
  refresh(): Promise<void> {
    if (this.#refreshing) {
      this.#queued ??= this.#refreshing
        .catch(() => {})
        .then(() => {
          this.#queued = null;
          return this.refresh();
        });
      return this.#queued;
    }
    this.#refreshing = readCheckpoint(this.#o.db, this.#projection)
      .then((cp) => {
        this.#stop = cp.stopped;
        this.#updatedAt = cp.updated_at;
        this.#advance(cp.position);
      })
      .finally(() => {
        this.#refreshing = null;
      });
    return this.#refreshing;
  }

  /**
   * Resolves 'reached' once the checkpoint is at or past `position`, 'stopped' if a poison event
   * stopped the projection before it, 'timeout' after `timeoutMs`.
   */
  async waitFor(position: string, timeoutMs: number): Promise<WaitOutcome> {
    if (comparePositions(this.#position, position) >= 0) return 'reached';
    await this.refresh();
    if (comparePositions(this.#position, position) >= 0) return 'reached';
    if (this.#stop !== null) return 'stopped';
    return new Promise<WaitOutcome>((resolve) => {
      const waiter: Waiter = {
        position,
        resolve: (outcome) => {
          clearTimeout(waiter.timer);
          this.#waiters.delete(waiter);
          resolve(outcome);
        },
        timer: setTimeout(() => waiter.resolve('timeout'), timeoutMs),
      };
      this.#waiters.add(waiter);
      this.#schedulePoll();
    });
  }

  /**
   * Calls `listener` on every change of the read models, before any waiter for that position
   * resumes (so a cache invalidated here is never read stale by a read-your-writes request).
   */
  onChange(listener: ChangeListener): void {
    this.#listeners.push(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#pollTimer) clearTimeout(this.#pollTimer);
    if (this.#unannouncedTimer) clearTimeout(this.#unannouncedTimer);
    for (const w of [...this.#waiters]) w.resolve('timeout');
    await this.#listen?.close();
    this.#listen = null;
    await this.#refreshing?.catch(() => {});
  }

  /**
   * A position from polling (`accounts` undefined) or from a notice (`accounts` null: unknown).
   * Listeners hear of notices at once; a position only polled is announced as "anything may have
   * changed" when no notice covers it in time (or at once without a LISTEN session).
   */
  #advance(position: string | null, accounts?: readonly number[] | null): void {
    if (comparePositions(position, this.#position) > 0) this.#position = position;
    if (accounts !== undefined) {
      // A notice without accounts means "everything may differ" even at the same position (a swap).
      if (comparePositions(position, this.#announced) > 0 || accounts === null) this.#announce(position, accounts);
    } else if (comparePositions(this.#position, this.#announced) > 0) {
      this.#expectNotice(this.#position);
    }
    for (const w of [...this.#waiters]) {
      if (comparePositions(this.#position, w.position) >= 0) w.resolve('reached');
      else if (this.#stop !== null) w.resolve('stopped');
    }
  }

  #announce(position: string | null, accounts: readonly number[] | null): void {
    if (comparePositions(position, this.#announced) > 0) this.#announced = position;
    for (const listener of this.#listeners) {
      try {
        listener(this.#announced, accounts);
      } catch (err) {
        this.#o.logger.warn({ err }, 'checkpoint change listener failed');
      }
    }
  }

  #expectNotice(position: string | null): void {
    if (!this.#listen?.listening) {
      this.#announce(position, null);
      return;
    }
    if (this.#unannouncedTimer !== null) return;
    this.#unannouncedTimer = setTimeout(() => {
      this.#unannouncedTimer = null;
      if (this.#closed || comparePositions(position, this.#announced) <= 0) return;
      this.#o.logger.warn({ position, announced: this.#announced }, 'checkpoint moved without a notice');
      this.#announce(position, null);
      if (comparePositions(this.#position, this.#announced) > 0) this.#expectNotice(this.#position);
    }, this.#o.unannouncedMs ?? 2000);
    this.#unannouncedTimer.unref();
  }

  #schedulePoll(): void {
    if (this.#closed) return;
    const ms = this.#waiters.size > 0 ? (this.#o.busyPollMs ?? 100) : (this.#o.idlePollMs ?? 1000);
    if (this.#pollTimer) clearTimeout(this.#pollTimer);
    this.#pollTimer = setTimeout(() => {
      this.refresh()
        .catch((err) => this.#o.logger.debug({ err }, 'checkpoint poll failed'))
        .finally(() => this.#schedulePoll());
    }, ms);
    this.#pollTimer.unref();
  }

  #connect(connectionString: string): void {
    this.#listen = openListenSession({
      client: { connectionString, application_name: 'publisher-read-api-listen', keepAlive: true },
      channel: CHECKPOINT_CHANNEL,
      onNotification: (payload) => {
        let notice: unknown;
        try {
          notice = JSON.parse(payload);
        } catch {
          notice = undefined;
        }
        if (!noticePayload.Check(notice)) {
          // Not the projector's; polling stays the truth.
          this.#o.logger.warn({ payload: payload.slice(0, 200) }, 'checkpoint notice ignored: not a notice');
          return;
        }
        if (notice.schema === READ_MODEL_SCHEMA && notice.name === this.#projection) {
          this.#advance(notice.position, notice.accounts ?? null);
        }
      },
      // Notifications sent before LISTEN (or while a previous session was down) are lost: look
      // once, and tell listeners that anything up to there may have changed.
      onListening: () => {
        void this.refresh()
          .catch(() => {})
          .then(() => {
            if (this.#listen?.listening) this.#announce(this.#position, null);
          });
      },
      onLost: (err, retryInMs) =>
        this.#o.logger.warn({ err, retry_in_ms: Math.round(retryInMs) }, 'checkpoint LISTEN session lost; polling'),
    });
  }
}
