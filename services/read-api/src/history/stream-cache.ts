import type { EventStore, RecordedEvent } from '@publisher/event-store';

/** The start of a stream and how long it is. */
export interface StreamRead {
  /** Oldest first from revision 0, at most the limit asked for. */
  events: RecordedEvent[];
  /** Events in the stream. */
  length: number;
}

/**
 * Reads records' streams for history, as-of and snapshot reads.
 *
 * Speed trick: the events of recently read streams stay in memory (least recently used first out,
 * at most `maxEvents` events in all). Streams are append-only, so a cached prefix never goes stale:
 * a read then asks the store only for the stream's last event (one row, which is itself the only new
 * event in the usual case) and, when the stream has grown further, for the events after the cached
 * ones — instead of every event, each with its payload and metadata parsed again (a 50-event history
 * page spent most of its database and parsing time there). What it trades: memory (about 1 kB per
 * event), and a read always costs that one-row round trip, cached or not. With `maxEvents` 0 every
 * read goes to the store for just the events asked for. Measure: `pnpm bench:audit` with
 * `READ_API_STREAM_CACHE_EVENTS=0` side by side.
 * @example
 * const { events, length } = await streams.read('publishing_record-6f1c…', 21);
 */
export class StreamReader {
  private readonly cached = new Map<string, RecordedEvent[]>();
  private total = 0;

  constructor(
    private readonly store: Pick<EventStore, 'readStream'>,
    private readonly maxEvents: number,
  ) {}

  async read(stream: string, limit = Number.POSITIVE_INFINITY): Promise<StreamRead> {
    if (this.maxEvents === 0) return this.readDirect(stream, limit);
    const [head] = await this.store.readStream(stream, { from: 'end', direction: 'backwards', limit: 1 });
    if (head === undefined) {
      this.forget(stream);
      return { events: [], length: 0 };
    }
    let events = this.cached.get(stream);
    const last = events?.at(-1)?.revision ?? -1;
    if (events === undefined || last > head.revision) {
      events = await this.store.readStream(stream);
    } else if (last < head.revision - 1) {
      events = [...events, ...(await this.store.readStream(stream, { from: last + 1 }))];
    } else if (last === head.revision - 1) {
      events = [...events, head];
    }
    this.remember(stream, events);
    return { events: events.length > limit ? events.slice(0, limit) : events, length: events.length };
  }

  /** Without the cache: the events asked for, and one backwards read for the length only when there may be more. */
  private async readDirect(stream: string, limit: number): Promise<StreamRead> {
    const events = await this.store.readStream(stream, Number.isFinite(limit) ? { limit } : {});
    if (events.length < limit) return { events, length: events.length };
    const [head] = await this.store.readStream(stream, { from: 'end', direction: 'backwards', limit: 1 });
    return { events, length: head === undefined ? events.length : head.revision + 1 };
  }

  private remember(stream: string, events: RecordedEvent[]): void {
    this.forget(stream);
    if (events.length > this.maxEvents) return;
    this.cached.set(stream, events);
    this.total += events.length;
    for (const [oldest, evicted] of this.cached) {
      if (this.total <= this.maxEvents) break;
      this.cached.delete(oldest);
      this.total -= evicted.length;
    }
  }

  private forget(stream: string): void {
    const events = this.cached.get(stream);
    if (events === undefined) return;
    this.cached.delete(stream);
    this.total -= events.length;
  }

  /** Streams and events held (for tests and /status). */
  stats(): { streams: number; events: number } {
    return { streams: this.cached.size, events: this.total };
  }
}
