/** Test support: appending domain events through the real event store, waiting for conditions. */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { EventMetadata, EventStore, NewEvent } from '@publisher/event-store';

let clock = Date.parse('2024-06-01T00:00:00.000Z');
export const at = (): string => {
  clock += 1000;
  return new Date(clock).toISOString();
};

export function metadata(accountId = 1, siteId = 10): EventMetadata {
  return {
    correlation_id: randomUUID(),
    causation_id: null,
    actor: { user_id: 'test', role: 'editor' },
    tenant: { account_id: accountId, site_id: siteId, sector_id: 100 },
    request_id: null,
    occurred_at: new Date(clock).toISOString(),
    schema_version: 1,
  };
}

export function event(type: string, data: Record<string, unknown>, accountId = 1): NewEvent {
  return { id: randomUUID(), type, data, metadata: metadata(accountId) };
}

/** Appends a publishing record's creation; returns its id and the append's position. */
export async function createRecord(store: EventStore, over: Record<string, unknown> = {}) {
  const id = randomUUID();
  const data = {
    record_id: id,
    account_id: 1,
    site_id: 10,
    sector_id: 100,
    content_id: 1000,
    destination: 'webhook',
    destination_config: {},
    metadata: {},
    at: at(),
    ...over,
  };
  const r = await store.append(`publishing_record-${id}`, [event('PublishingRecordCreated', data)], 'no_stream');
  return { id, stream: `publishing_record-${id}`, ...r };
}

/** Appends events to a record's stream at the expected revision. */
export async function appendToRecord(
  store: EventStore,
  id: string,
  expected: number,
  ...events: Array<[string, Record<string, unknown>]>
) {
  return store.append(
    `publishing_record-${id}`,
    events.map(([type, data]) => event(type, { record_id: id, at: at(), ...data })),
    expected,
  );
}

/** Polls `check` until it returns a truthy value, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T> | T, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}
