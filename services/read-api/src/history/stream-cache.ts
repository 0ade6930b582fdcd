import type { EventStore, RecordedEvent } from '@publisher/event-store';
import { LRUCache } from 'lru-cache';
import { FrequencySketch } from '../frequency-sketch.ts';

/** The start of a stream and how long it is. */
export interface StreamRead {
  /** Oldest first from revision 0, at most the limit asked for. */
  events: RecordedEvent[];
  /** Events in the stream. */
  length: number;
  /**
   * The events are the cache's own objects, handed to later reads of the stream too: only then is
   * what a reader remembers per event object (folds, entry JSON) worth keeping.
   */
  cached: boolean;
}

/**
 * Reads records' streams for history, as-of and snapshot reads.
 *
 * Speed trick: the events of streams read more than once lately stay in memory (least recently
 * used first out, at most `maxEvents` events in all; a longer stream is read, not kept). Streams
 * are append-only, so a cached prefix never goes stale: a read then asks the store only for the
 * stream's last event (one row, which is itself the only new event in the usual case) and, when
 * the stream has grown further, for the events after the cached ones — instead of every event,
 * each with its payload and metadata parsed again (for a long stream, most of a history read's
 * database and parsing time).
 *
 * A stream enters the cache on its second read, not its first, and once the cache is full only
 * when it was read more often lately than the least recently read stream it would replace
 * (TinyLFU's admission, `FrequencySketch`). Over a large store most history reads are of a record
 * nobody looked at lately, and many more records are read now and then than the cache holds:
 * admitting each on its second read would replace cached streams at the rate of reads, and every
 * replaced stream is old-generation garbage for V8 — over a large store that churn brings major
 * collections that stall the API (`pnpm bench:growth`, `history`). A
 * stream not admitted costs what it would without a cache: the events asked for, in one round trip
 * when it has no more.
 *
 * What it trades: memory (an entry's text per cached event, and a few bytes of sketch per event allowed), and
 * a read of a cached stream always costs that one-row round trip. With `maxEvents` 0 nothing is
 * cached. Measure: `pnpm bench:audit` with `READ_API_STREAM_CACHE_EVENTS=0` side by side.
 * @example
 * const { events, length } = await streams.read('publishing_record-6f1c…', 21);
 */
export class StreamReader {
  /** Null when `maxEvents` is 0: every read goes to the store. */
  private readonly cached: LRUCache<string, RecordedEvent[]> | null;
  private readonly sketch: FrequencySketch;

  constructor(
    private readonly store: Pick<EventStore, 'readStream'>,
    private readonly maxEvents: number,
  ) {
    this.cached =
      maxEvents > 0 ? new LRUCache({ maxSize: maxEvents, sizeCalculation: (events) => events.length }) : null;
    this.sketch = new FrequencySketch(maxEvents);
  }

  async read(stream: string, limit = Number.POSITIVE_INFINITY): Promise<StreamRead> {
    if (this.cached === null) return this.readDirect(stream, limit);
    this.sketch.increment(stream);
    let events = this.cached.get(stream);
    if (events === undefined) {
      if (!this.admits(this.cached, stream)) return this.readDirect(stream, limit);
      events = await this.store.readStream(stream);
    } else {
      const [head] = await this.store.readStream(stream, { from: 'end', direction: 'backwards', limit: 1 });
      const last = events.at(-1)?.revision ?? -1;
      if (head === undefined || last > head.revision) {
        events = head === undefined ? [] : await this.store.readStream(stream);
      } else if (last < head.revision - 1) {
        events = [...events, ...(await this.store.readStream(stream, { from: last + 1 }))];
      } else if (last === head.revision - 1) {
        events = [...events, head];
      }
    }
    const cached = this.remember(this.cached, stream, events);
    return { events: events.length > limit ? events.slice(0, limit) : events, length: events.length, cached };
  }

  /**
   * Whether a stream not cached is read whole and cached: read before, and — when the cache is full
   * — read more often lately than the stream it would evict first (a tie keeps the cached one).
   */
  private admits(cached: LRUCache<string, RecordedEvent[]>, stream: string): boolean {
    const seen = this.sketch.estimate(stream);
    if (seen < 2) return false;
    if (cached.calculatedSize < this.maxEvents) return true;
    const victim = cached.rkeys().next().value;
    return victim === undefined || seen > this.sketch.estimate(victim);
  }

  /** Not cached: the events asked for, and one backwards read for the length only when there may be more. */
  private async readDirect(stream: string, limit: number): Promise<StreamRead> {
    const events = await this.store.readStream(stream, Number.isFinite(limit) ? { limit } : {});
    if (events.length < limit) return { events, length: events.length, cached: false };
    const [head] = await this.store.readStream(stream, { from: 'end', direction: 'backwards', limit: 1 });
    return { events, length: head === undefined ? events.length : head.revision + 1, cached: false };
  }

  /**
   * Caches the stream's events, evicting the least recently read streams to make room; false when
   * there are none, or more than the whole cache holds (the cache then drops any older copy).
   */
  private remember(cached: LRUCache<string, RecordedEvent[]>, stream: string, events: RecordedEvent[]): boolean {
    if (events.length === 0) {
      cached.delete(stream);
      return false;
    }
    cached.set(stream, events);
    return events.length <= this.maxEvents;
  }

  /** Streams and events held (for tests and /status). */
  stats(): { streams: number; events: number } {
    return { streams: this.cached?.size ?? 0, events: this.cached?.calculatedSize ?? 0 };
  }
}
