import { randomUUID } from 'node:crypto';
import { waitUntil } from '@publisher/testing';
import {
  comparePositions,
  type EventMetadata,
  type EventStore,
  type NewEvent,
  type Position,
  type RecordedEvent,
} from '../../src/index.ts';

/** A stream name no other test (or earlier run against a shared server) uses. */
export function streamName(label: string): string {
  return `contract-${label}-${randomUUID()}`;
}

export function metadata(overrides: Partial<EventMetadata> = {}): EventMetadata {
  return {
    correlation_id: randomUUID(),
    causation_id: null,
    actor: { user_id: 'user-1', role: 'editor' },
    tenant: { account_id: 1, site_id: 2, sector_id: 3 },
    request_id: randomUUID(),
    occurred_at: new Date().toISOString(),
    schema_version: 1,
    ...overrides,
  };
}

/** `count` new events with fresh ids; data carries `n` so order can be checked. */
export function newEvents(count: number, type = 'ThingHappened', start = 0): NewEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    id: randomUUID(),
    type,
    data: { n: start + i },
    metadata: metadata(),
  }));
}

/** Waits until the global log is readable up to `position` (global reads may lag a running transaction). */
export function waitForHead(store: EventStore, position: Position): Promise<Position> {
  return waitUntil(
    `the head at ${position}`,
    async () => {
      const head = await store.headPosition();
      return comparePositions(head, position) >= 0 && head;
    },
    { timeoutMs: 10_000 },
  );
}

/** Reads the whole global log after `after`, in pages, keeping only events of `streams`. */
export async function readAllOf(
  store: EventStore,
  streams: Set<string>,
  after: Position | null,
  pageSize = 1000,
): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  let cursor = after;
  for (;;) {
    const page = await store.readAll({ after: cursor, limit: pageSize });
    out.push(...page.filter((e) => streams.has(e.stream)));
    if (page.length < pageSize) return out;
    cursor = page[page.length - 1]!.position;
  }
}

/**
 * Subscribes after `after` and collects events of `streams` until `done(collected)` holds, the
 * timeout passes, or the subscription ends. Returns the batches (filtered) and whether it was
 * caught up when it stopped.
 */
export async function collect(
  store: EventStore,
  options: {
    streams: Set<string>;
    after: Position | null;
    done: (events: RecordedEvent[]) => boolean;
    batchSize?: number;
    timeoutMs?: number;
    onCaughtUp?: () => void;
  },
): Promise<{ events: RecordedEvent[]; batches: RecordedEvent[][]; timedOut: boolean }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 15_000);
  const events: RecordedEvent[] = [];
  const batches: RecordedEvent[][] = [];
  try {
    for await (const batch of store.subscribe({
      after: options.after,
      batch_size: options.batchSize,
      signal: controller.signal,
      on_caught_up: options.onCaughtUp,
    })) {
      batches.push(batch);
      events.push(...batch.filter((e) => options.streams.has(e.stream)));
      if (options.done(events)) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return { events, batches, timedOut: controller.signal.aborted };
}

/** True when every position is strictly greater than the one before it. */
export function strictlyIncreasing(positions: Position[]): boolean {
  return positions.every((p, i) => i === 0 || comparePositions(positions[i - 1]!, p) < 0);
}
