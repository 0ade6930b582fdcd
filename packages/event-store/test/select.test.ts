/**
 * `loadEventStoreSelection` (platform), `selectEventStore` and `openEventStore`: the one place
 * every service turns EVENT_STORE / EVENTSTORE_URL into an open store.
 */
import { randomUUID } from 'node:crypto';
import { EVENT_STORE_VARIABLES, loadEventStoreSelection } from '@publisher/platform/config';
import { ConfigError } from '@publisher/platform/env';
import { createTestDatabase } from '@publisher/testing';
import pg from 'pg';
import t from 'tap';
import { openEventStore, selectEventStore } from '../src/index.ts';
import { EVENT_STORE_KINDS } from '../src/select.ts';
import { startEsdbStandIn } from './esdb/stand-in-server.ts';

const metadata = {
  correlation_id: 'c',
  causation_id: null,
  actor: { user_id: 'u', role: 'editor' as const },
  tenant: { account_id: 1, site_id: 1, sector_id: null },
  request_id: null,
  occurred_at: '2024-05-01T00:00:00.000Z',
  schema_version: 1,
};

t.test('EVENT_STORE defaults to postgres and is read in any case', async (t) => {
  t.same(loadEventStoreSelection({}), { kind: 'postgres', esdbUrl: null });
  t.same(loadEventStoreSelection({ EVENT_STORE: 'Postgres' }), { kind: 'postgres', esdbUrl: null });
  t.same(loadEventStoreSelection({ EVENT_STORE: 'ESDB', EVENTSTORE_URL: 'esdb://h:2113?tls=false' }), {
    kind: 'esdb',
    esdbUrl: 'esdb://h:2113?tls=false',
  });
});

t.test('a bad EVENT_STORE, or esdb without a URL, is a ConfigError naming the variable', async (t) => {
  t.throws(() => loadEventStoreSelection({ EVENT_STORE: 'mysql' }), {
    name: 'ConfigError',
    variable: 'EVENT_STORE',
    message: /EVENT_STORE/,
  });
  t.throws(() => loadEventStoreSelection({ EVENT_STORE: 'esdb' }), {
    name: 'ConfigError',
    variable: 'EVENTSTORE_URL',
    message: /EVENT_STORE=esdb needs EVENTSTORE_URL/,
  });
});

t.test("the services' EVENT_STORE_VARIABLES accept exactly the adapters; esdb still needs a URL", async (t) => {
  t.equal(EVENT_STORE_VARIABLES.EVENT_STORE.accepts, `one of ${EVENT_STORE_KINDS.join(', ')}`);
  t.same(loadEventStoreSelection({}), { kind: 'postgres', esdbUrl: null });
  t.same(loadEventStoreSelection({ EVENT_STORE: 'ESDB', EVENTSTORE_URL: 'esdb://h:2113' }), {
    kind: 'esdb',
    esdbUrl: 'esdb://h:2113',
  });
  t.throws(() => loadEventStoreSelection({ EVENT_STORE: 'esdb' }), ConfigError);
  t.throws(() => loadEventStoreSelection({ EVENT_STORE: 'esdb' }), {
    variable: 'EVENTSTORE_URL',
    message: /EVENTSTORE_URL/,
  });
});

t.test('openEventStore creates the schema; an unreachable database rejects', async (t) => {
  const db = await createTestDatabase('es_open');
  t.teardown(db.drop);
  const store = await openEventStore({ kind: 'postgres', esdbUrl: null }, { connectionString: db.url });
  t.teardown(() => store.close());
  const stream = `s-${randomUUID()}`;
  await store.append(stream, [{ id: randomUUID(), type: 'Happened', data: {}, metadata }], 'no_stream');
  t.match(await store.readStream(stream), [{ type: 'Happened' }], 'its schema exists');
  const pool = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none', connectionTimeoutMillis: 500 });
  t.teardown(() => pool.end());
  await t.rejects(openEventStore({ kind: 'postgres', esdbUrl: null }, { pool }));
});

t.test('postgres opens the PostgreSQL adapter with the given options; migrate creates its schema', async (t) => {
  const db = await createTestDatabase('es_select');
  t.teardown(db.drop);
  const selected = selectEventStore(loadEventStoreSelection({}), {
    connectionString: db.url,
    schema: 'chosen_schema',
  });
  t.teardown(() => selected.store.close());
  t.equal(selected.kind, 'postgres');
  await selected.migrate();
  const stream = `s-${randomUUID()}`;
  await selected.store.append(stream, [{ id: randomUUID(), type: 'Happened', data: {}, metadata }], 'no_stream');
  t.match(await selected.store.readStream(stream), [{ type: 'Happened', revision: 0 }], 'reads its own append');
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  t.teardown(() => client.end());
  const { rows } = await client.query('SELECT stream FROM chosen_schema.events');
  t.same(rows, [{ stream }], 'in the schema the options named');
});

t.test('esdb opens the EventStoreDB adapter at EVENTSTORE_URL; migrate is a no-op', async (t) => {
  const esdb = await startEsdbStandIn();
  t.teardown(esdb.stop);
  const selected = selectEventStore(
    loadEventStoreSelection({ EVENT_STORE: 'esdb', EVENTSTORE_URL: esdb.connectionString }),
    { connectionString: 'postgres://nobody@127.0.0.1:1/never-used' },
  );
  t.teardown(() => selected.store.close());
  t.equal(selected.kind, 'esdb');
  await selected.migrate();
  const stream = `s-${randomUUID()}`;
  await selected.store.append(stream, [{ id: randomUUID(), type: 'Happened', data: {}, metadata }], 'no_stream');
  t.ok(
    esdb.allEvents().some((e) => e.stream === stream),
    'the event landed in EventStoreDB, not in PostgreSQL',
  );
});
