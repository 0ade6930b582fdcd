/**
 * A test-only stand-in for an insecure single-node EventStoreDB, speaking its gRPC protocol over
 * loopback for the calls the EventStoreDB adapter makes through @eventstore/db-client. What it
 * covers and what it does not prove: see README.md next to this file.
 *
 * @example
 * const esdb = await startEsdbStandIn();
 * const store = createEsdbEventStore({ connectionString: esdb.connectionString });
 * // ...
 * await store.close();
 * await esdb.stop();
 */
import { randomUUID } from 'node:crypto';
import { Server, ServerCredentials, status } from '@grpc/grpc-js';
import { createAppendHandler, createBatchAppendHandler } from './append-handlers.ts';
import { MemoryLog, type StoredEvent } from './memory-log.ts';
import { serverFeaturesGrpc, serverFeaturesPb, streamsGrpc } from './protocol.ts';
import { createReadHandler } from './read-handler.ts';

export interface StandInOptions {
  /** Advertise Streams.BatchAppend in ServerFeatures, as EventStoreDB 21.10+ does (default true). */
  batchAppend?: boolean;
  /** Report the original position on idempotent writes, as KurrentDB does (default true). */
  idempotentWritePosition?: boolean;
}

export interface EsdbStandIn {
  /** `esdb://127.0.0.1:<port>?tls=false` */
  connectionString: string;
  port: number;
  /** Appends a system event (a `$`-prefixed type, like the server's own bookkeeping). */
  appendSystemEvent(stream?: string, type?: string): StoredEvent;
  /**
   * Empties the cache of recent event ids that `any`/`stream_exists` idempotency relies on, as a
   * server restart does (the log itself stays).
   */
  forgetRecentWrites(): void;
  /** Every event in the log, in $all order, system events included. */
  allEvents(): readonly StoredEvent[];
  /** Stops the server at once, cancelling open calls (clients then see UNAVAILABLE). */
  stop(): Promise<void>;
}

export async function startEsdbStandIn(options: StandInOptions = {}): Promise<EsdbStandIn> {
  const batchAppend = options.batchAppend ?? true;
  const behaviour = { idempotentWritePosition: options.idempotentWritePosition ?? true };
  const log = new MemoryLog();
  const appendSystemEvent = (stream = '$stats-127.0.0.1:2113', type = '$statsCollected') => {
    const outcome = log.write(stream, -2, [
      {
        id: randomUUID(),
        type,
        contentType: 'application/json',
        data: Buffer.from('{}'),
        customMetadata: new Uint8Array(),
      },
    ]);
    if (outcome.kind === 'wrong_expected_version') throw new Error('unreachable: any never conflicts');
    return log.readStream(stream)!.at(-1)!;
  };
  // A fresh EventStoreDB's $all already holds its own bookkeeping (users, settings, scavenges).
  appendSystemEvent('$user-admin', '$User');
  appendSystemEvent('$settings', '$settings');

  const server = new Server();
  const unimplemented = (_call: unknown, callback?: (err: { code: status; details: string }) => void) =>
    callback?.({ code: status.UNIMPLEMENTED, details: 'not in the stand-in' });
  server.addService(streamsGrpc.StreamsService, {
    read: createReadHandler(log),
    append: createAppendHandler(log, behaviour),
    batchAppend: createBatchAppendHandler(log, behaviour),
    delete: unimplemented,
    tombstone: unimplemented,
  });
  server.addService(serverFeaturesGrpc.ServerFeaturesService, {
    getSupportedMethods: (_call: unknown, callback: (err: null, value: unknown) => void) =>
      callback(null, supportedMethods(batchAppend)),
  });

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
  return {
    connectionString: `esdb://127.0.0.1:${port}?tls=false`,
    port,
    appendSystemEvent,
    forgetRecentWrites: () => log.forgetRecentWrites(),
    allEvents: () => log.all,
    stop: async () => server.forceShutdown(),
  };
}

/** What ServerFeatures.GetSupportedMethods reports; the client picks BatchAppend only if listed. */
function supportedMethods(batchAppend: boolean) {
  const { SupportedMethods, SupportedMethod } = serverFeaturesPb;
  const streams = 'event_store.client.streams.streams';
  const methods = ['read', 'append', ...(batchAppend ? ['batchappend'] : [])].map((name) =>
    new SupportedMethod().setServiceName(streams).setMethodName(name),
  );
  return new SupportedMethods().setMethodsList(methods).setEventStoreServerVersion('0.0.0-stand-in');
}
