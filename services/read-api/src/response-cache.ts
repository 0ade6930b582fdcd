import { comparePositions } from '@publisher/event-store';
import { Doorkeeper } from './doorkeeper.ts';

/** A read's answer, what the route serializes (see `ResponseCache`). */
export interface CachedResponse {
  readonly value: unknown;
  /** About what it holds in memory: its documents' text and a fixed overhead. */
  readonly bytes: number;
  /** Whose rows it shows: one account, or 'any' for privileged cross-account reads. */
  readonly account: number | 'any';
  /** The checkpoint known before the query ran (the data is at least that new). */
  readonly position: string | null;
  readonly generation: number;
}

/** What a cache lookup needs to know before running the query: see `ResponseCache.stamp`. */
export interface CacheStamp {
  readonly position: string | null;
  readonly generation: number;
}

export interface ResponseCacheStats {
  entries: number;
  bytes: number;
  max_bytes: number;
  hits: number;
  misses: number;
}

/** How many distinct missed keys (as 32-bit hashes) the admission doorkeeper remembers. */
export const DOORKEEPER_KEYS = 10_000;

/**
 * Read answers (a list page with its documents, a per-site view), kept until the rows behind them
 * change. Read models change only when the projector commits a batch, and its checkpoint notice
 * names the accounts the batch touched, so an entry stays valid while no change to its account was
 * announced after the checkpoint it was computed at (`changed`). Anything unknown — a position seen
 * only by polling, a notice without accounts, a rebuild — drops everything (a new generation).
 *
 * Entries are keyed by the caller's scope and the request, so one tenant never gets another's
 * entry; each response is serialized from the entry by the route's schema, with its own request id.
 * An answer is admitted on the second miss of its key within the last `DOORKEEPER_KEYS` distinct
 * misses (`Doorkeeper`). Least recently used entries go first once `maxBytes` (approximate: the
 * entry's bytes, key length and a fixed overhead) is reached; an entry read since the eviction hand
 * last passed it gets a second chance (CLOCK), which spares hits the cost of reordering.
 *
 * @example
 * const cache = new ResponseCache(64 * 1024 * 1024);
 * watcher.onChange((position, accounts) => cache.changed(position, accounts));
 */
export class ResponseCache {
  readonly #maxBytes: number;
  readonly #entries = new Map<string, CachedResponse & { size: number; used: boolean }>();
  #bytes = 0;
  #generation = 0;
  /** Per account: the checkpoint at which its rows last changed (in this generation). */
  readonly #changedAt = new Map<number, string | null>();
  /** The checkpoint at which any account's rows last changed (for 'any' entries). */
  #anyChangedAt: string | null = null;
  #hits = 0;
  #misses = 0;
  readonly #doorkeeper = new Doorkeeper(DOORKEEPER_KEYS);

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  get enabled(): boolean {
    return this.#maxBytes > 0;
  }

  /** Taken BEFORE the query runs; the entry is stored with it. */
  stamp(position: string | null): CacheStamp {
    return { position, generation: this.#generation };
  }

  /** A still valid entry for `key`, or undefined. */
  get(key: string): CachedResponse | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined || !this.#valid(entry)) {
      if (entry !== undefined) this.#delete(key, entry);
      this.#misses++;
      return undefined;
    }
    entry.used = true;
    this.#hits++;
    return entry;
  }

  /**
   * Whether a missed `key` should be stored: true on its second miss (since the doorkeeper was last
   * reset). Asked before building what `set` takes, so one-off reads cost nothing more.
   */
  admit(key: string): boolean {
    return this.enabled && this.#doorkeeper.admit(key);
  }

  /** Stores a response computed after `stamp` was taken (skipped if it is already outdated). */
  set(key: string, stamp: CacheStamp, value: Pick<CachedResponse, 'value' | 'bytes' | 'account'>): void {
    if (!this.enabled) return;
    const entry = { ...value, ...stamp, size: value.bytes + 2 * key.length + 128, used: false };
    if (entry.size > this.#maxBytes / 8 || !this.#valid(entry)) return;
    const old = this.#entries.get(key);
    if (old !== undefined) this.#delete(key, old);
    this.#entries.set(key, entry);
    this.#bytes += entry.size;
    // Map order is insertion order: the oldest first. Used ones go to the back, once.
    for (const [k, e] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break;
      if (e.used && e !== entry) {
        e.used = false;
        this.#entries.delete(k);
        this.#entries.set(k, e);
      } else {
        this.#delete(k, e);
      }
    }
  }

  /**
   * The read models changed up to `position`: the rows of `accounts`, or (null) possibly any row.
   * Called by the checkpoint watcher before requests waiting for that position resume.
   */
  changed(position: string | null, accounts: readonly number[] | null): void {
    if (accounts === null) {
      this.#generation++;
      this.#changedAt.clear();
      this.#entries.clear();
      this.#bytes = 0;
    } else {
      for (const account of accounts) this.#changedAt.set(account, position);
    }
    if (comparePositions(position, this.#anyChangedAt) > 0) this.#anyChangedAt = position;
  }

  stats(): ResponseCacheStats {
    return {
      entries: this.#entries.size,
      bytes: this.#bytes,
      max_bytes: this.#maxBytes,
      hits: this.#hits,
      misses: this.#misses,
    };
  }

  #valid(entry: CachedResponse): boolean {
    if (entry.generation !== this.#generation) return false;
    const changedAt = entry.account === 'any' ? this.#anyChangedAt : (this.#changedAt.get(entry.account) ?? null);
    return comparePositions(changedAt, entry.position) <= 0;
  }

  #delete(key: string, entry: { size: number }): void {
    this.#entries.delete(key);
    this.#bytes -= entry.size;
  }
}
