/**
 * The EventStoreDB adapter of the event-store port, on @eventstore/db-client.
 *
 * Streams map one to one; the global log is $all (application events only) and a position is
 * the $all position {commit, prepare} encoded as a port position, so the positions `append`
 * returns compare directly with subscription checkpoints.
 */
import { BACKWARDS, END, EventStoreDBClient } from '@eventstore/db-client';
import { withTimeout } from '@publisher/coordination';
import { EventStoreUnavailableError } from '../errors.ts';
import type { EventStore } from '../port.ts';
import { append } from './append.ts';
import { mapEsdbError } from './map-error.ts';
import { headPosition, readAll, readStream } from './reads.ts';
import { subscribe } from './subscription.ts';

export interface EsdbEventStoreOptions {
  /** e.g. `esdb://localhost:2113?tls=false` (see the EventStoreDB connection-string docs). */
  connectionString: string;
  /** How long `ping` waits for the server before reporting it unavailable (default 5000 ms). */
  pingTimeoutMs?: number;
}

/**
 * Creates the EventStoreDB adapter. The connection is opened lazily by the first call.
 *
 * @example
 * const store = createEsdbEventStore({ connectionString: 'esdb://localhost:2113?tls=false' });
 * const { position } = await store.append(`publishing-record-${id}`, [event], 'no_stream');
 * for await (const batch of store.subscribe({ after: checkpoint, signal })) project(batch);
 * await store.close();
 */
export function createEsdbEventStore(options: EsdbEventStoreOptions): EventStore {
  const client = EventStoreDBClient.connectionString(options.connectionString);
  const pingTimeoutMs = options.pingTimeoutMs ?? 5000;
  let closed = false;

  return {
    append: (stream, events, expected) => append(client, stream, events, expected),
    readStream: (stream, readOptions) => readStream(client, stream, readOptions),
    readAll: (readOptions) => readAll(client, readOptions),
    subscribe: (subscribeOptions = {}) => subscribe(client, subscribeOptions, () => closed),
    headPosition: () => headPosition(client),
    // EventStoreDB serves every committed event to readers at once: the two heads are one.
    committedHeadPosition: () => headPosition(client),
    ping: () => ping(client, pingTimeoutMs),
    async close() {
      if (closed) return;
      closed = true;
      // dispose() waits for every open call to finish; bound it so a stuck call cannot hang shutdown.
      const timedOut = new Error('dispose() did not finish within 2000 ms');
      await withTimeout(client.dispose(), 2000, () => timedOut).catch((err: unknown) => {
        if (err !== timedOut) throw err;
      });
      // dispose() cancels the open calls but leaves the channel (and its sockets) open.
      const channel = await (client as unknown as { getChannel(): Promise<{ close(): void }> })
        .getChannel()
        .catch(() => null);
      channel?.close();
    },
  };
}

/** One newest-event read of $all, bounded in time (the client itself never times reads out). */
async function ping(client: EventStoreDBClient, timeoutMs: number): Promise<void> {
  const read = client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 });
  const drain = (async () => {
    for await (const _ of read) {
      // Only the round trip matters.
    }
  })();
  try {
    await withTimeout(
      drain,
      timeoutMs,
      () => new EventStoreUnavailableError(`EventStoreDB did not answer within ${timeoutMs} ms`),
    );
  } catch (err) {
    await read.cancel().catch(() => undefined);
    throw mapEsdbError(err, 'ping');
  } finally {
    drain.catch(() => undefined);
  }
}
