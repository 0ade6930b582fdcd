/**
 * Consumer-side deduplication by event id. Kafka delivery is at least once (a relay restart or a
 * consumer rebalance re-delivers), so a consumer that must act once per event remembers which ids
 * it has processed. The store is pluggable: the in-memory LRU suits one process whose side effects
 * are themselves idempotent across restarts; a durable store (a table written in the same
 * transaction as the effect) gives exactly-once effects.
 *
 * Replays (messages with `replay: true`, sent again by a support re-drive) carry the original
 * event ids, so the deduplicator drops a replay of an event already handled and runs the handler
 * for one this consumer never saw: exactly what a consumer that lost events needs.
 */

import { LRUCache } from 'lru-cache';

/** Remembers processed event ids. Implementations may be sync or async. */
export interface ProcessedEventStore {
  has(eventId: string): boolean | Promise<boolean>;
  add(eventId: string): void | Promise<void>;
}

/**
 * In-memory store that forgets the least recently seen ids beyond `capacity` (default 100 000).
 * @example const store = createLruEventStore(50_000);
 */
export function createLruEventStore(capacity = 100_000): ProcessedEventStore & { readonly size: number } {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
  const ids = new LRUCache<string, true>({ max: capacity });
  return {
    get size() {
      return ids.size;
    },
    // `get`, not `has`: a hit makes the id recently seen again.
    has: (eventId) => ids.get(eventId) === true,
    add: (eventId) => void ids.set(eventId, true),
  };
}

export type DedupeOutcome<T> = { duplicate: false; result: T } | { duplicate: true };

export interface EventDeduplicator {
  /**
   * Runs `handler` unless `eventId` was already processed (or is being processed right now).
   * The id is remembered only after the handler resolves, so a handler that throws lets a
   * re-delivery try again.
   */
  once<T>(eventId: string, handler: () => Promise<T>): Promise<DedupeOutcome<T>>;
}

/**
 * @example
 * const dedupe = createEventDeduplicator();
 * const outcome = await dedupe.once(event.event_id, () => handle(event));
 * if (outcome.duplicate) log.debug({ event_id: event.event_id }, 'duplicate delivery skipped');
 */
export function createEventDeduplicator(options: { store?: ProcessedEventStore } = {}): EventDeduplicator {
  const store = options.store ?? createLruEventStore();
  const inFlight = new Map<string, Promise<DedupeOutcome<unknown>>>();
  const attempt = async <T>(eventId: string, handler: () => Promise<T>): Promise<DedupeOutcome<T>> => {
    if (await store.has(eventId)) return { duplicate: true };
    const result = await handler();
    await store.add(eventId);
    return { duplicate: false, result };
  };
  return {
    async once<T>(eventId: string, handler: () => Promise<T>): Promise<DedupeOutcome<T>> {
      // A concurrent delivery of the same id waits for the first: a success makes it a duplicate,
      // a failure lets it try in turn.
      for (let running = inFlight.get(eventId); running; running = inFlight.get(eventId)) {
        const outcome = await running.catch(() => null);
        if (outcome) return { duplicate: true };
      }
      const work = attempt(eventId, handler);
      inFlight.set(eventId, work);
      try {
        return await work;
      } finally {
        inFlight.delete(eventId);
      }
    },
  };
}
