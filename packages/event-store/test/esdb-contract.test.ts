/**
 * The shared event-store contract, run against the EventStoreDB adapter through the real
 * @eventstore/db-client over real gRPC: always against the test-only stand-in server
 * (test/esdb/README.md says what that proves), and also against a real EventStoreDB/KurrentDB
 * when EVENTSTORE_URL names one (e.g. `esdb://localhost:2113?tls=false`).
 */
import t from 'tap';
import { createEsdbEventStore } from '../src/index.ts';
import { eventStoreContract } from './contract/suite.ts';
import { startEsdbStandIn } from './esdb/stand-in-server.ts';

t.test('through the stand-in server (BatchAppend, as current servers)', async (t) => {
  const esdb = await startEsdbStandIn();
  t.teardown(esdb.stop);
  eventStoreContract(t, async () => {
    const store = createEsdbEventStore({ connectionString: esdb.connectionString });
    return { store, cleanup: () => store.close() };
  });
});

t.test('through the stand-in server (Append, no position on idempotent writes, as older servers)', async (t) => {
  const esdb = await startEsdbStandIn({ batchAppend: false, idempotentWritePosition: false });
  t.teardown(esdb.stop);
  eventStoreContract(t, async () => {
    const store = createEsdbEventStore({ connectionString: esdb.connectionString });
    return { store, cleanup: () => store.close() };
  });
});

const url = process.env.EVENTSTORE_URL;
t.test(
  'against the real EventStoreDB at EVENTSTORE_URL',
  {
    skip: url
      ? false
      : 'EVENTSTORE_URL is not set (e.g. esdb://localhost:2113?tls=false with `docker compose up eventstore`)',
  },
  async (t) => {
    eventStoreContract(t, async () => {
      const store = createEsdbEventStore({ connectionString: url! });
      return { store, cleanup: () => store.close() };
    });
  },
);
