import { isRelayControlEvent, relayControlStream } from '@publisher/domain';
import type { RecordedEvent } from '@publisher/event-store';
import type { TopicMessages } from 'kafkajs';
import { mapRecordedEvent, type RelayMessage, toKafkaMessage } from './mapping.ts';
import { type ReplayMessage, type ReplaySource, replayAccount, replayStream } from './replay.ts';

/** A slice of a store batch, mapped and grouped by topic, ready for one `sendBatch`. */
export interface PreparedBatch {
  topicMessages: TopicMessages[];
  /**
   * Position of the slice's last fully handled event (published, replayed or skipped): the
   * checkpoint once the slice is acknowledged. A slice cut in the middle of a replay keeps the
   * position before the replay's request (null: the start of the log), so a crash re-runs it.
   */
  last: string | null;
  published: number;
  /** Of `published`, the messages that are replays. */
  replayed: number;
  skipped: number;
}

export interface PipelineOptions {
  topicPrefix: string;
  maxRequestBytes: number;
  /** The relay's name: its control stream (`kafka_relay-{name}`) holds its account replays and skips. */
  relay: string;
  /** The checkpoint the subscription starts after (null: the start of the log). */
  after: string | null;
  /**
   * Replays read the store; `skipped` holds the ids support chose to pass over and grows when a new
   * skip decision passes by in the log.
   */
  replays: ReplaySource & { skipped: Set<string> };
}

/**
 * Maps each store batch to Kafka messages, cut into requests of at most `maxRequestBytes` (keys,
 * values and headers): the broker refuses a record batch above its `message.max.bytes` (1 MiB by
 * default) for good, so a large store batch must never become one oversized request. Unmappable
 * events throw here (RELAY_UNMAPPABLE_EVENT), before anything of the slice is sent, unless support
 * skipped them. Republish requests expand into their replays in place, so per record the replay
 * follows what was sent before it and precedes what comes after.
 */
export async function* prepareBatches(
  batches: AsyncIterable<RecordedEvent[]>,
  options: PipelineOptions,
): AsyncGenerator<PreparedBatch> {
  const control = relayControlStream(options.relay);
  let done = options.after;
  let slice = emptySlice(done);
  /** Adds a message; returns the slice it had to close first to stay under the byte bound. */
  const add = (topic: string, message: RelayMessage, replay: boolean): PreparedBatch | null => {
    const size = messageBytes(message);
    let full: PreparedBatch | null = null;
    if (slice.published > 0 && slice.bytes + size > options.maxRequestBytes) {
      full = finish(slice);
      slice = emptySlice(done);
    }
    let entry = slice.byTopic.get(topic);
    if (!entry) {
      entry = { topic: options.topicPrefix + topic, messages: [] };
      slice.byTopic.set(topic, entry);
    }
    entry.messages.push(message);
    slice.published++;
    if (replay) slice.replayed++;
    slice.bytes += size;
    return full;
  };
  for await (const batch of batches) {
    for (const recorded of batch) {
      // The common case (one event, one message) stays synchronous: the relay is CPU-bound.
      const what = messagesOf(recorded, control, options);
      if (what === null) {
        slice.skipped++;
      } else if ('message' in what) {
        const full = add(what.topic, what.message, false);
        if (full) yield full;
      } else {
        let replayed = 0;
        for await (const m of what.replay) {
          const full = add(m.topic, m.message, true);
          if (full) yield full;
          replayed++;
        }
        if (replayed === 0) slice.skipped++;
      }
      done = recorded.position;
      slice.last = done;
    }
    if (batch.length > 0) {
      yield finish(slice);
      slice = emptySlice(done);
    }
  }
}

interface Slice {
  byTopic: Map<string, TopicMessages>;
  last: string | null;
  published: number;
  replayed: number;
  skipped: number;
  bytes: number;
}

const emptySlice = (last: string | null): Slice => ({
  byTopic: new Map(),
  last,
  published: 0,
  replayed: 0,
  skipped: 0,
  bytes: 0,
});

function finish(slice: Slice): PreparedBatch {
  const { byTopic, last, published, replayed, skipped } = slice;
  return { topicMessages: [...byTopic.values()], last, published, replayed, skipped };
}

/** What one stored event stands for: nothing (null), itself, or the replay it requests. */
function messagesOf(
  recorded: RecordedEvent,
  control: string,
  options: PipelineOptions,
): ReplayMessage | { replay: AsyncIterable<ReplayMessage> } | null {
  const { replays } = options;
  if (replays.skipped.has(recorded.id)) return null;
  if (recorded.stream === control) {
    if (!isRelayControlEvent(recorded)) return null;
    if (recorded.type === 'RelayEventSkipped') replays.skipped.add(recorded.data.event_id);
    if (recorded.type !== 'AccountRepublishRequested') return null;
    return { replay: replayAccount(replays, recorded.data, recorded.position) };
  }
  const mapped = mapRecordedEvent(recorded);
  if (mapped.kind === 'publish') {
    return { topic: mapped.topic, message: toKafkaMessage(mapped.event, undefined, recorded.metadata.traceparent) };
  }
  if (mapped.kind === 'replay') return { replay: replayStream(replays, mapped) };
  return null;
}

/** Bytes a message adds to a request (payload plus a rough per-record and per-header overhead). */
function messageBytes(message: RelayMessage): number {
  let size = 70 + Buffer.byteLength(message.value) + message.key.length;
  const headers = message.headers;
  for (const name in headers) size += 2 + name.length + headers[name]!.length;
  return size;
}

/**
 * Reads and maps the next batch while the current one is on its way to Kafka, so the store round
 * trip and the mapping overlap the broker's acknowledgement (throughput is bounded by the slower
 * stage, not their sum). `stop` runs when the consumer leaves, before the source is closed, so a
 * pending read cannot hold up the exit.
 */
export async function* prefetch<T>(source: AsyncIterable<T>, stop: () => void): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  // A prefetched read that fails after the consumer stopped must not become an unhandled rejection.
  next.catch(() => {});
  try {
    for (;;) {
      const result = await next;
      if (result.done) return;
      next = iterator.next();
      next.catch(() => {});
      yield result.value;
    }
  } finally {
    stop();
    await iterator.return?.();
  }
}
