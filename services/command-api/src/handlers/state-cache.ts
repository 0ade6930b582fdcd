import { LRUCache } from 'lru-cache';

/**
 * A bounded LRU of folded aggregates, keyed by stream. It only saves the read before an append:
 * every append still carries the expected revision, so a stale entry (another instance wrote the
 * stream) costs one WRONG_EXPECTED_VERSION and a fresh read, never a wrong result. Domain errors
 * and If-Match mismatches are only answered from a fresh read.
 *
 * Bounded in entries and in bytes: a record carries up to a body's worth of metadata and
 * destination_config (64 KiB by default), so a count alone would let a few thousand large records
 * take hundreds of megabytes.
 */
export interface CachedState<State> {
  state: State;
  /** Revision of the stream's last event. */
  revision: number;
}

export interface StateCacheOptions {
  /** Most entries (STATE_CACHE_SIZE); 0 disables the cache. */
  maxEntries: number;
  /** Most bytes, as `approximateSize` counts them (STATE_CACHE_MB); 0 disables the cache. */
  maxBytes: number;
}

/** Per-entry bookkeeping (the key, the entry object, the LRU's own links), roughly. */
const ENTRY_OVERHEAD_BYTES = 256;

/**
 * An entry's size as the cache counts it: the length of its state's JSON plus a fixed overhead.
 * An estimate of the heap it holds (strings of one-byte characters, small objects), cheap enough to
 * take on every command.
 * @example
 * approximateSize('publishing_record-…', { state, revision: 3 }) // ≈ 900 for a small record
 */
export function approximateSize(key: string, entry: CachedState<unknown>): number {
  return ENTRY_OVERHEAD_BYTES + key.length + JSON.stringify(entry.state).length;
}

export class StateCache<State> {
  readonly #entries: LRUCache<string, CachedState<State>> | null;

  constructor(options: StateCacheOptions) {
    this.#entries =
      options.maxEntries > 0 && options.maxBytes > 0
        ? new LRUCache<string, CachedState<State>>({
            max: options.maxEntries,
            maxSize: options.maxBytes,
            sizeCalculation: (entry, key) => approximateSize(key, entry),
          })
        : null;
  }

  get(stream: string): CachedState<State> | undefined {
    return this.#entries?.get(stream);
  }

  /** Remembers an entry; one larger than the whole byte budget is not kept (and evicts nothing). */
  set(stream: string, entry: CachedState<State>): void {
    if (this.#entries === null) return;
    // A value too large for the budget is not stored: drop the old one first, it is stale either way.
    this.#entries.delete(stream);
    this.#entries.set(stream, entry);
  }

  delete(stream: string): void {
    this.#entries?.delete(stream);
  }

  get size(): number {
    return this.#entries?.size ?? 0;
  }

  /** Bytes held, as `approximateSize` counts them. */
  get bytes(): number {
    return this.#entries?.calculatedSize ?? 0;
  }
}
