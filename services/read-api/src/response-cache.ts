import { comparePositions } from '@publisher/event-store';
import { LRUCache } from 'lru-cache';
import { FrequencySketch } from './frequency-sketch.ts';

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

/**
 * Misses the admission sketch counts between two halvings: a key missed once is forgotten at the
 * next halving, so "missed before" means among about the last this many misses.
 */
export const ADMISSION_WINDOW = 10_000;

/** A response as the cache holds it, with the size it counts against `maxBytes`. */
type Entry = CachedResponse & { readonly size: number };

/**
 * Read answers (a list page with its documents, a per-site view), kept until the rows behind them
 * change. Read models change only when the projector commits a batch, and its checkpoint notice
 * names the accounts the batch touched, so an entry stays valid while no change to its account was
 * announced after the checkpoint it was computed at (`changed`). Anything unknown — a position seen
 * only by polling, a notice without accounts, a rebuild — drops everything (a new generation).
 *
 * Entries are keyed by the caller's scope and the request, so one tenant never gets another's
 * entry; each response is serialized from the entry by the route's schema, with its own request id.
 * An answer is admitted on a miss of a key already missed within about the last `ADMISSION_WINDOW`
 * misses (a `FrequencySketch`), so one-off reads neither evict the entries read again nor leave
 * old-generation garbage behind. Least recently used entries go first once `maxBytes` (approximate:
 * the entry's bytes, key length and a fixed overhead) is reached; an entry larger than an eighth of
 * it is not kept, as it would evict many others.
 *
 * @example
 * const cache = new ResponseCache(64 * 1024 * 1024);
 * watcher.onChange((position, accounts) => cache.changed(position, accounts));
 */
export class ResponseCache {
  readonly #maxBytes: number;
  /** Null when `maxBytes` is 0: nothing is cached. */
  readonly #entries: LRUCache<string, Entry> | null;
  /**
   * How often each key missed lately. Twice as wide as the window, so that other keys rarely fill
   * all four of a new key's counters (a false "missed before"); its sample is twice the window
   * because after each halving the sketch counts on from half its sample.
   */
  readonly #admission: FrequencySketch | null;
  #generation = 0;
  /** Per account: the checkpoint at which its rows last changed (in this generation). */
  readonly #changedAt = new Map<number, string | null>();
  /** The checkpoint at which any account's rows last changed (for 'any' entries). */
  #anyChangedAt: string | null = null;
  #hits = 0;
  #misses = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
    this.#entries = maxBytes > 0 ? new LRUCache({ maxSize: maxBytes, sizeCalculation: (entry) => entry.size }) : null;
    this.#admission = maxBytes > 0 ? new FrequencySketch(2 * ADMISSION_WINDOW, 2 * ADMISSION_WINDOW) : null;
  }

  get enabled(): boolean {
    return this.#entries !== null;
  }

  /** Taken BEFORE the query runs; the entry is stored with it. */
  stamp(position: string | null): CacheStamp {
    return { position, generation: this.#generation };
  }

  /** A still valid entry for `key`, or undefined. */
  get(key: string): CachedResponse | undefined {
    const entry = this.#entries?.get(key);
    if (entry === undefined || !this.#valid(entry)) {
      if (entry !== undefined) this.#entries?.delete(key);
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    return entry;
  }

  /**
   * Whether a missed `key` should be stored: true when it missed before, lately. Asked before
   * building what `set` takes, so one-off reads cost nothing more.
   */
  admit(key: string): boolean {
    return this.#admission !== null && this.#admission.increment(key) >= 2;
  }

  /** Stores a response computed after `stamp` was taken (skipped if it is already outdated). */
  set(key: string, stamp: CacheStamp, value: Pick<CachedResponse, 'value' | 'bytes' | 'account'>): void {
    if (this.#entries === null) return;
    const entry: Entry = { ...value, ...stamp, size: value.bytes + 2 * key.length + 128 };
    if (entry.size > this.#maxBytes / 8 || !this.#valid(entry)) return;
    this.#entries.set(key, entry);
  }

  /**
   * The read models changed up to `position`: the rows of `accounts`, or (null) possibly any row.
   * Called by the checkpoint watcher before requests waiting for that position resume.
   */
  changed(position: string | null, accounts: readonly number[] | null): void {
    if (accounts === null) {
      this.#generation++;
      this.#changedAt.clear();
      this.#entries?.clear();
    } else {
      for (const account of accounts) this.#changedAt.set(account, position);
    }
    if (comparePositions(position, this.#anyChangedAt) > 0) this.#anyChangedAt = position;
  }

  stats(): ResponseCacheStats {
    return {
      entries: this.#entries?.size ?? 0,
      bytes: this.#entries?.calculatedSize ?? 0,
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
}
