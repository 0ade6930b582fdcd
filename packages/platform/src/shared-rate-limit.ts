import { type Migration, migrateSchema, withTimeout } from '@publisher/coordination';
import type pg from 'pg';
import type { FixedWindowLimiter, WindowUse } from './rate-limit.ts';

/**
 * One budget per key across every API process: each process LEASES slices of a key's window budget
 * from PostgreSQL and spends them in memory, so a request never waits for the database except when
 * its process has run out of slices faster than it could lease the next one.
 *
 * - A window opens with a key's first lease anywhere and lasts `windowMs` (the database's clock);
 *   every process learns its end from the lease, so all of them start the next window together.
 * - A lease takes `chunk` (5 % of `max`) from the key's row; the database never grants more than
 *   `max` in a window, so processes together never admit more than `max`, whatever their number.
 *   The next lease is asked in the background when half a slice is left.
 * - A key's first requests in a window do not wait either: up to `advance` (1 % of `max`) are
 *   admitted at once and charged to the first lease. That is the one way to exceed `max`: by at most
 *   `advance` per process and window, when the others had already spent the budget.
 * - Slices a process holds but no longer uses (its key idle for `releaseAfterMs`) go back to the row,
 *   and a process refusing a key whose budget is all leased asks again every 250 ms, so an account
 *   whose traffic moves to another process does not lose them. What can still go unused is what
 *   processes hold when the window ends: at most 1.5 slices each.
 * - Leases and releases of all keys are batched into one statement (at most one in flight); a row
 *   per key is reused window after window and rows of long-ended windows are deleted.
 * - When PostgreSQL does not answer (error or `timeoutMs`), the process limits alone with its
 *   in-memory `fallback` (`max` per process) for a second, then tries the database again.
 */
export interface SharedLimiterOptions {
  max: number;
  windowMs: number;
  store: LeaseStore;
  /** The per-process limiter used while the store is unavailable. */
  fallback: FixedWindowLimiter;
  /** Slice size (default 5 % of max, at least 1). */
  chunk?: number;
  /** Requests admitted before a key's first lease of a window (default 1 % of max, at least 1). */
  advance?: number;
  /** Slices of a key unused this long go back (default 1000 ms). */
  releaseAfterMs?: number;
  /** A lease batch not answered within this is a store failure (default 1000 ms). */
  timeoutMs?: number;
  onStoreError?: (err: unknown) => void;
}

/** One key's lease request: the requests admitted before its first lease, plus the slice wanted. */
interface LeaseRequest {
  key: string;
  want: number;
}

export interface LeaseGrant {
  key: string;
  /** Milliseconds until the key's window ends, by the store's clock at the time of the answer. */
  remaining_ms: number;
  /** The window's id (its opening time), to hand slices back to the same window. */
  window: string;
  /** Granted to this request (≤ want; 0 when the window's budget is spent). */
  grant: number;
  /** Granted in the window so far, all processes together. */
  granted: number;
}

export interface LeaseStore {
  lease(requests: LeaseRequest[], max: number, windowMs: number): Promise<LeaseGrant[]>;
  /** Hands unused slices back to their window (ignored when that window has ended). */
  release(returns: Array<{ key: string; window: string; tokens: number }>): Promise<void>;
  /** Deletes the rows of windows that ended before `windowMs` ago. */
  purge(windowMs: number): Promise<void>;
}

/** How often a process refusing a key whose budget is all leased asks whether some came back. */
const RECHECK_EXHAUSTED_MS = 250;

interface KeyState {
  /** When the key's window ends (this process's clock); null before its first lease of the window. */
  windowEnd: number | null;
  window: string | null;
  tokens: number;
  /** Admitted before the first lease of the window, to be charged to it. */
  unleased: number;
  /** The window's budget is all leased. */
  exhausted: boolean;
  /** When the last lease was answered (this process's clock). */
  answeredAt: number;
  /** Leased in the window by all processes, as of the last answer. */
  granted: number;
  lastSeen: number;
  /** The lease under way for this key, if any. */
  leasing: Promise<void> | null;
  /** Requests of this process waiting for that lease: the next one asks for them too. */
  waiting: number;
}

interface Queued {
  key: string;
  state: KeyState;
  resolve: () => void;
}

/**
 * @example
 * const limiter = new SharedWindowLimiter({ max: 1200, windowMs: 60_000, store: postgresLeaseStore(pool), fallback });
 * const use = limiter.hit('account:7', Date.now()); // a WindowUse, or a promise of one when a lease is awaited
 */
export class SharedWindowLimiter {
  readonly #states = new Map<string, KeyState>();
  readonly #queue = new Map<string, Queued>();
  readonly #o: Required<Omit<SharedLimiterOptions, 'onStoreError'>> & Pick<SharedLimiterOptions, 'onStoreError'>;
  #flushing = false;
  #degradedUntil = 0;
  readonly #sweeper: NodeJS.Timeout;
  #lastPurge = 0;

  constructor(options: SharedLimiterOptions) {
    this.#o = {
      chunk: Math.max(1, Math.ceil(options.max / 20)),
      advance: Math.max(1, Math.ceil(options.max / 100)),
      releaseAfterMs: 1000,
      timeoutMs: 1000,
      ...options,
    };
    this.#sweeper = setInterval(() => this.#sweep(Date.now()), Math.max(50, this.#o.releaseAfterMs / 2));
    this.#sweeper.unref();
  }

  /** Counts one request of `key` at `now` (ms); synchronous unless it must wait for a lease. */
  hit(key: string, now: number): WindowUse | Promise<WindowUse> {
    if (now < this.#degradedUntil) return this.#o.fallback.hit(key, now);
    let s = this.#states.get(key);
    if (s === undefined) {
      s = {
        windowEnd: null,
        window: null,
        tokens: 0,
        unleased: 0,
        exhausted: false,
        answeredAt: 0,
        granted: 0,
        lastSeen: now,
        leasing: null,
        waiting: 0,
      };
      this.#states.set(key, s);
    } else if (s.windowEnd !== null && now >= s.windowEnd) {
      Object.assign(s, { windowEnd: null, window: null, tokens: 0, unleased: 0, exhausted: false, granted: 0 });
    }
    s.lastSeen = now;
    return this.#take(key, s, now) ?? this.#wait(key, s);
  }

  /** Out of slices with budget maybe left: waits for leases until it gets a slice or the budget is spent. */
  async #wait(key: string, s: KeyState): Promise<WindowUse> {
    s.waiting++;
    try {
      for (;;) {
        await this.#lease(key, s);
        const now = Date.now();
        if (now < this.#degradedUntil) return this.#o.fallback.hit(key, now);
        const taken = this.#take(key, s, now);
        if (taken !== null) return taken;
      }
    } finally {
      s.waiting--;
    }
  }

  /** Hands back every unused slice (on shutdown, so other processes can use them). */
  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    await this.#release(Date.now(), () => true).catch(() => {});
  }

  #take(key: string, s: KeyState, now: number): WindowUse | null {
    if (s.tokens > 0) {
      s.tokens--;
      if (s.tokens < this.#o.chunk / 2 && !s.exhausted) void this.#lease(key, s);
      return this.#use(s, now);
    }
    if (s.exhausted) {
      // Another process may have handed slices back: look again now and then, without waiting.
      if (now - s.answeredAt >= RECHECK_EXHAUSTED_MS) void this.#lease(key, s);
      return this.#refused(s, now);
    }
    if (s.windowEnd === null && s.unleased < this.#o.advance) {
      s.unleased++;
      void this.#lease(key, s);
      return this.#use(s, now);
    }
    return null;
  }

  /** Used as far as this process can tell: what all processes leased, less what this one still holds. */
  #use(s: KeyState, now: number): WindowUse {
    const count = s.windowEnd === null ? s.unleased : Math.min(this.#o.max, s.granted - s.tokens);
    return { count, resetMs: (s.windowEnd ?? now + this.#o.windowMs) - now };
  }

  #refused(s: KeyState, now: number): WindowUse {
    return { count: this.#o.max + 1, resetMs: Math.max(0, (s.windowEnd ?? now + this.#o.windowMs) - now) };
  }

  /** Queues a lease for `key` (one per key at a time) and flushes the queue soon. */
  #lease(key: string, s: KeyState): Promise<void> {
    if (s.leasing) return s.leasing;
    s.leasing = new Promise<void>((resolve) => {
      this.#queue.set(key, { key, state: s, resolve });
    }).finally(() => {
      s.leasing = null;
    });
    queueMicrotask(() => void this.#flush());
    return s.leasing;
  }

  async #flush(): Promise<void> {
    if (this.#flushing || this.#queue.size === 0) return;
    this.#flushing = true;
    const batch = [...this.#queue.values()];
    this.#queue.clear();
    // What each member had admitted unleased when it was asked: the lease charges exactly that.
    const charged = batch.map((q) => q.state.unleased);
    try {
      const asked = performance.now();
      const grants = await withTimeout(
        this.#o.store.lease(
          batch.map((q, i) => ({ key: q.key, want: charged[i]! + this.#o.chunk + q.state.waiting })),
          this.#o.max,
          this.#o.windowMs,
        ),
        this.#o.timeoutMs,
        () => new Error(`rate-limit store did not answer within ${this.#o.timeoutMs} ms`),
      );
      // The answer's "remaining" was read somewhere between asking and now: count from the asking.
      const base = Date.now() - (performance.now() - asked);
      const byKey = new Map(grants.map((g) => [g.key, g]));
      if (batch.some((q) => !byKey.has(q.key))) throw new Error('rate-limit store answered without some keys');
      batch.forEach((q, i) => {
        this.#apply(q.state, charged[i]!, byKey.get(q.key)!, base);
      });
    } catch (err) {
      this.#degradedUntil = Date.now() + 1000;
      this.#o.onStoreError?.(err);
    } finally {
      for (const q of batch) q.resolve();
      this.#flushing = false;
      if (this.#queue.size > 0) void this.#flush();
    }
  }

  #apply(s: KeyState, charged: number, g: LeaseGrant, base: number): void {
    if (s.window !== null && s.window !== g.window) s.tokens = 0; // the window we held slices of has ended
    s.window = g.window;
    s.windowEnd = base + g.remaining_ms;
    s.unleased = Math.max(0, s.unleased - charged);
    s.tokens = Math.max(0, s.tokens + g.grant - charged);
    s.granted = g.granted;
    s.exhausted = g.granted >= this.#o.max;
    s.answeredAt = Date.now();
  }

  /** Hands back the slices of keys idle for `releaseAfterMs`, forgets ended windows, purges old rows. */
  #sweep(now: number): void {
    void this.#release(now, (s) => now - s.lastSeen >= this.#o.releaseAfterMs).catch((err) =>
      this.#o.onStoreError?.(err),
    );
    for (const [key, s] of this.#states) {
      if (s.leasing === null && now - s.lastSeen > this.#o.windowMs && (s.windowEnd === null || s.windowEnd <= now))
        this.#states.delete(key);
    }
    if (now - this.#lastPurge >= this.#o.windowMs) {
      this.#lastPurge = now;
      this.#o.store.purge(this.#o.windowMs).catch((err) => this.#o.onStoreError?.(err));
    }
  }

  async #release(now: number, idle: (s: KeyState) => boolean): Promise<void> {
    const returns: Array<{ key: string; window: string; tokens: number }> = [];
    for (const [key, s] of this.#states) {
      if (
        s.tokens > 0 &&
        s.leasing === null &&
        s.window !== null &&
        s.windowEnd !== null &&
        s.windowEnd > now &&
        idle(s)
      ) {
        returns.push({ key, window: s.window, tokens: s.tokens });
        s.granted -= s.tokens;
        s.tokens = 0;
        s.exhausted = false;
      }
    }
    if (returns.length > 0) await this.#o.store.release(returns);
  }
}

/** Schema of the shared rate limit's table (one row per key, reused window after window). */
const RATE_LIMIT_SCHEMA = 'rate_limit';

/**
 * The schema's changes, recorded in `rate_limit.migrations`. The first is written `IF NOT EXISTS`:
 * it adopts the table as databases of earlier versions created it.
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'shared rate-limit windows: one row per key',
    // opened_at: the window's start, in ms of the database's clock; granted: leased in it so far.
    sql: (s) => `
CREATE TABLE IF NOT EXISTS ${s}.windows (
  key text PRIMARY KEY,
  opened_at bigint NOT NULL,
  granted integer NOT NULL,
  last_grant integer NOT NULL
);
`,
  },
];

/**
 * Creates or upgrades the shared rate limit's schema (safe from several processes at once).
 * @example
 * await migrateRateLimit(pool);
 */
export async function migrateRateLimit(pool: pg.Pool): Promise<number[]> {
  return migrateSchema(pool, 'rate-limit:migrate', RATE_LIMIT_SCHEMA, MIGRATIONS);
}

const NOW_MS = `(extract(epoch FROM clock_timestamp()) * 1000)::bigint`;

/**
 * The lease store in PostgreSQL: one statement per batch of keys. A key's row is reset when its
 * window has ended; `last_grant` carries what this statement granted out of RETURNING.
 * @example
 * const store = postgresLeaseStore(pool);
 */
export function postgresLeaseStore(pool: pg.Pool): LeaseStore {
  const t = `${RATE_LIMIT_SCHEMA}.windows`;
  return {
    async lease(requests, max, windowMs) {
      const { rows } = await pool.query<{
        key: string;
        window: string;
        grant: number;
        granted: number;
        remaining_ms: string;
      }>(
        `WITH now AS (SELECT ${NOW_MS} AS ms)
         INSERT INTO ${t} AS w (key, opened_at, granted, last_grant)
         SELECT r.key, now.ms, LEAST(r.want, $3::int), LEAST(r.want, $3::int)
           FROM unnest($1::text[], $2::int[]) AS r(key, want), now
         ON CONFLICT (key) DO UPDATE SET
           opened_at = CASE WHEN w.opened_at <= (SELECT ms FROM now) - $4::bigint THEN EXCLUDED.opened_at ELSE w.opened_at END,
           granted = CASE WHEN w.opened_at <= (SELECT ms FROM now) - $4::bigint THEN EXCLUDED.granted
                          ELSE w.granted + LEAST(EXCLUDED.last_grant, GREATEST($3::int - w.granted, 0)) END,
           last_grant = CASE WHEN w.opened_at <= (SELECT ms FROM now) - $4::bigint THEN EXCLUDED.last_grant
                             ELSE LEAST(EXCLUDED.last_grant, GREATEST($3::int - w.granted, 0)) END
         RETURNING key, opened_at::text AS window, last_grant AS grant, granted,
                   (opened_at + $4::bigint - (SELECT ms FROM now))::text AS remaining_ms`,
        [requests.map((r) => r.key), requests.map((r) => r.want), max, windowMs],
      );
      return rows.map((r) => ({ ...r, remaining_ms: Number(r.remaining_ms) }));
    },
    async release(returns) {
      await pool.query(
        `UPDATE ${t} AS w SET granted = GREATEST(w.granted - r.tokens, 0)
           FROM unnest($1::text[], $2::bigint[], $3::int[]) AS r(key, opened_at, tokens)
          WHERE w.key = r.key AND w.opened_at = r.opened_at`,
        [returns.map((r) => r.key), returns.map((r) => r.window), returns.map((r) => r.tokens)],
      );
    },
    async purge(windowMs) {
      await pool.query(`DELETE FROM ${t} WHERE opened_at < ${NOW_MS} - 2 * $1::bigint`, [windowMs]);
    },
  };
}
