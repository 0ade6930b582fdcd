/**
 * The port's catch-up-then-live subscription on EventStoreDB's `subscribeToAll`.
 *
 * $all is one linear log in commit order and a catch-up subscription from a position delivers
 * every event after it, so nothing can be skipped. What is left to the adapter: batching the
 * events that have arrived, dropping system events, telling the subscriber when it has caught up,
 * stopping on the AbortSignal, and turning a dropped subscription into a port error.
 */
import {
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type EventStoreDBClient,
  excludeSystemEvents,
  START,
} from '@eventstore/db-client';
import { EventStoreUnavailableError } from '../errors.ts';
import type { RecordedEvent, SubscribeOptions } from '../port.ts';
import { mapEsdbError } from './map-error.ts';
import { isSystemEvent, toEsdbPosition, toRecordedEvent } from './mapping.ts';

const DEFAULT_BATCH_SIZE = 500;
const MAX_GATHER_TURNS = 8;

/**
 * Receives the subscription's events in paused mode and remembers where the server's CaughtUp
 * message fell among them. The client emits `caughtUp` while the events before it may still sit in
 * its readable buffer, so the marker is "after this many events", counted when the message arrives.
 * It holds at most `highWater` events; the rest waits in the client and gRPC flow control, so a
 * slow subscriber slows the server down instead of filling memory.
 */
class Inbox {
  readonly queue: AllStreamResolvedEvent[] = [];
  readonly caughtUpAfter: number[] = [];
  received = 0;
  error: unknown;
  ended = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly subscription: AllStreamSubscription,
    private readonly highWater: number,
  ) {
    subscription.on('readable', () => this.pull());
    subscription.on('caughtUp', () => {
      this.caughtUpAfter.push(this.received + subscription.readableLength);
      this.notify();
    });
    subscription.on('error', (err) => {
      this.error ??= err;
      this.notify();
    });
    subscription.on('end', () => {
      this.ended = true;
      this.notify();
    });
    subscription.on('close', () => {
      this.ended = true;
      this.notify();
    });
  }

  /** Moves buffered events into the queue, up to the high-water mark. */
  pull(): void {
    while (this.queue.length < this.highWater) {
      const item = this.subscription.read() as AllStreamResolvedEvent | null;
      if (item === null) break;
      this.queue.push(item);
      this.received += 1;
    }
    this.notify();
  }

  notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Resolves once there is something new to look at. */
  changed(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  async unsubscribe(): Promise<void> {
    await this.subscription.unsubscribe().catch(() => undefined);
  }
}

export async function* subscribe(
  client: EventStoreDBClient,
  options: SubscribeOptions,
  isClosed: () => boolean,
): AsyncGenerator<RecordedEvent[]> {
  const { signal, on_caught_up: onCaughtUp } = options;
  const batchSize = Math.max(1, options.batch_size ?? DEFAULT_BATCH_SIZE);
  let remaining = options.limit ?? Number.POSITIVE_INFINITY;
  if (signal?.aborted || remaining <= 0) return;

  const inbox = new Inbox(
    client.subscribeToAll({
      fromPosition: options.after ? toEsdbPosition(options.after) : START,
      // Server-side: drop `$`-typed events (EventStoreDB's own); the stream check below covers the rest.
      filter: excludeSystemEvents(),
    }),
    Math.max(2 * batchSize, 64),
  );
  const stop = () => inbox.notify();
  signal?.addEventListener('abort', stop, { once: true });
  let delivered = 0;
  try {
    while (!signal?.aborted) {
      if (inbox.queue.length === 0 && !dueCaughtUp(inbox, delivered)) {
        if (inbox.error !== undefined) throw mapEsdbError(inbox.error, 'subscription');
        if (inbox.ended) {
          if (isClosed()) return;
          throw new EventStoreUnavailableError('EventStoreDB ended the $all subscription');
        }
        await inbox.changed();
        continue;
      }
      // While events keep streaming in (a catch-up), give them a few turns of the event loop to
      // join the batch; a live event that arrives alone waits one turn at most.
      for (let turn = 0; turn < MAX_GATHER_TURNS && inbox.queue.length < batchSize; turn++) {
        const before = inbox.queue.length;
        await new Promise((resolve) => setImmediate(resolve));
        inbox.pull();
        if (inbox.queue.length === before) break;
      }
      const taken = inbox.queue.splice(0, batchSize);
      delivered += taken.length;
      inbox.pull();
      const batch: RecordedEvent[] = [];
      for (const resolved of taken) {
        if (resolved.event && !isSystemEvent(resolved.event)) batch.push(toRecordedEvent(resolved.event));
      }
      const limited = batch.slice(0, remaining);
      if (limited.length > 0) {
        remaining -= limited.length;
        yield limited;
        if (remaining <= 0) return;
      }
      while (dueCaughtUp(inbox, delivered)) {
        inbox.caughtUpAfter.shift();
        onCaughtUp?.();
      }
    }
  } finally {
    signal?.removeEventListener('abort', stop);
    await inbox.unsubscribe();
  }
}

function dueCaughtUp(inbox: Inbox, delivered: number): boolean {
  const next = inbox.caughtUpAfter[0];
  return next !== undefined && next <= delivered;
}
