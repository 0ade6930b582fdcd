/**
 * PostgreSQL-adapter behaviour beyond the shared contract: migrations, schemas, input checks,
 * duplicate ids across streams, the readability barrier, the idle-in-transaction guard, pool
 * recovery after terminated sessions, and subscription options.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, waitUntil } from '@publisher/testing';
import pg from 'pg';
import t, { type Test } from 'tap';
import { DuplicateEventIdError } from '../src/errors.ts';
import {
  createPostgresEventStore,
  decodePosition,
  isWrongExpectedVersion,
  type PostgresEventStore,
  type RecordedEvent,
} from '../src/index.ts';
import { newEvents, streamName } from './contract/fixtures.ts';

async function setup(
  t: Test,
  options: Partial<Parameters<typeof createPostgresEventStore>[0]> = {},
): Promise<{ store: PostgresEventStore; url: string }> {
  const db = await createTestDatabase('es_adapter');
  t.teardown(db.drop);
  const store = createPostgresEventStore({ connectionString: db.url, pollIntervalMs: 50, ...options });
  t.teardown(() => store.close());
  await store.migrate();
  return { store, url: db.url };
}

t.test('concurrent start-ups migrate once and without error', async (t) => {
  const db = await createTestDatabase('es_migrate');
  t.teardown(db.drop);
  const stores = Array.from({ length: 6 }, () => createPostgresEventStore({ connectionString: db.url }));
  t.teardown(() => Promise.all(stores.map((s) => s.close())));
  await t.resolves(Promise.all(stores.map((s) => s.migrate())), 'all migrations succeed');
  await t.resolves(stores[0]!.migrate(), 'migrating again is a no-op');
  const { rows } = await stores[0]!.pool.query('SELECT version FROM event_store.migrations ORDER BY version');
  t.same(
    rows.map((r) => r.version),
    [1, 2],
    'each migration recorded once',
  );
  await stores[1]!.append(streamName('m'), newEvents(1), 'no_stream');
});

t.test('stores in different schemas of one database are separate', async (t) => {
  const { store: a, url } = await setup(t, { schema: 'tenant_a' });
  const b = createPostgresEventStore({ connectionString: url, schema: 'tenant b' });
  t.teardown(() => b.close());
  await b.migrate();
  const stream = streamName('schema');
  await a.append(stream, newEvents(2), 'no_stream');
  t.same(await b.readStream(stream), [], 'the other schema does not see the stream');
  t.equal((await b.append(stream, newEvents(1), 'no_stream')).next_revision, 0, 'and has its own streams');
});

t.test('invalid input is rejected before touching the database', async (t) => {
  const { store } = await setup(t);
  const stream = streamName('input');
  await t.rejects(store.append(stream, [], 'any'), RangeError, 'an empty append');
  await t.rejects(store.append(stream, newEvents(1), -1), RangeError, 'a negative revision');
  await t.rejects(store.append(stream, newEvents(1), 1.5), RangeError, 'a fractional revision');
  await t.rejects(store.append('', newEvents(1), 'any'), TypeError, 'an empty stream name');
  await t.rejects(store.append(stream, [{ ...newEvents(1)[0]!, id: 'not-a-uuid' }], 'any'), TypeError, 'a bad id');
  await t.rejects(store.readAll({ after: 'nonsense' }), TypeError, 'a malformed position');
  await t.rejects(store.readStream(stream, { from: -2 }), RangeError, 'a negative from');
  const [e] = newEvents(1);
  await t.rejects(store.append(stream, [e!, e!], 'any'), { code: 'DUPLICATE_EVENT_ID' }, 'one id twice in an append');
  t.same(await store.readStream(stream), [], 'nothing stored');
});

t.test('event ids are unique across streams', async (t) => {
  const { store } = await setup(t);
  const events = newEvents(2);
  const first = streamName('first');
  await store.append(first, events, 'no_stream');
  const err = await store.append(streamName('second'), events, 'any').catch((e: unknown) => e);
  t.ok(err instanceof DuplicateEventIdError, 'the same ids in another stream: DUPLICATE_EVENT_ID');

  const mixed = [events[0]!, ...newEvents(1)];
  const partial = await store.append(first, mixed, 'any').catch((e: unknown) => e);
  t.ok(partial instanceof DuplicateEventIdError, 'a stored id mixed with a new one is not a re-send');
  const stale = await store.append(first, mixed, 0).catch((e: unknown) => e);
  t.ok(isWrongExpectedVersion(stale), 'with a stale revision it is a plain conflict');
  t.equal((await store.readStream(first)).length, 2, 'nothing more stored');
});

t.test('readAll stops before a transaction still running, then returns both in order', async (t) => {
  const { store, url } = await setup(t);
  const open = new pg.Client({ connectionString: url });
  await open.connect();
  t.teardown(() => open.end());
  const early = newEvents(1);
  await open.query('BEGIN');
  await open.query('SELECT * FROM event_store.append_to_stream($1, -1, $2)', [
    streamName('early'),
    JSON.stringify(early),
  ]);
  const late = await store.append(streamName('late'), newEvents(1), 'no_stream');

  const ids = async () => (await store.readAll()).map((e) => e.id);
  t.notOk((await ids()).includes(early[0]!.id), 'the open transaction is not readable');
  t.same(await ids(), [], 'nor is the committed append after it: its position is not final yet');
  t.equal(await store.headPosition(), null, 'headPosition waits for it too');
  t.equal(await store.committedHeadPosition(), late.position, 'the committed head does not: the append is in the log');

  await open.query('COMMIT');
  // Other test files share the server: a transaction of theirs may hold the horizon a moment longer.
  const all = await waitUntil(
    'both events readable',
    async () => {
      const events = await store.readAll();
      return events.length >= 2 && events;
    },
    { timeoutMs: 10_000 },
  );
  t.same(
    all.map((e) => e.id),
    [early[0]!.id, all[1]?.id],
    'then the earlier transaction first, the later one after it',
  );
  t.equal(all[1]?.position, late.position);
});

t.test('the log is ordered by transaction id as a number, whatever its digit count', async (t) => {
  const { store } = await setup(t);
  // Rows with chosen transaction ids (older than any running transaction, so all readable),
  // inserted so that position order disagrees with transaction order.
  for (const [i, xid] of ['100', '10', '9'].entries()) {
    await store.pool.query(
      `INSERT INTO event_store.events (transaction_id, stream, revision, id, type, data, metadata)
       VALUES ($1::xid8, $2, 0, $3, 'E', '{}', '{}')`,
      [xid, `digits-${i}`, randomUUID()],
    );
  }
  const all = await store.readAll();
  t.same(
    all.map((e) => decodePosition(e.position).high),
    [9n, 10n, 100n],
    'readAll: 9, 10, 100 (not "10" < "100" < "9")',
  );
  const paged: bigint[] = [];
  for (let page = await store.readAll({ limit: 1 }); page.length > 0; ) {
    paged.push(decodePosition(page[0]!.position).high);
    page = await store.readAll({ after: page[0]!.position, limit: 1 });
  }
  t.same(paged, [9n, 10n, 100n], 'paging one by one sees the same order');
  const head = await store.headPosition();
  t.equal(head && decodePosition(head).high, 100n, 'headPosition is the numerically newest');
});

t.test('an idle transaction on the store sessions is ended, so readers move on', async (t) => {
  // Long enough that the next two statements surely run inside it, short enough to wait out.
  const { store } = await setup(t, { idleInTransactionTimeoutMs: 3000 });
  const client = await store.pool.connect();
  const { rows } = await client.query('SHOW idle_in_transaction_session_timeout');
  t.equal(rows[0].idle_in_transaction_session_timeout, '3s', 'the session setting is applied');
  client.on('error', () => {}); // the server ends this session; the pool drops it on release
  await client.query('BEGIN');
  await client.query('SELECT * FROM event_store.append_to_stream($1, -1, $2)', [
    streamName('forgotten'),
    JSON.stringify(newEvents(1)),
  ]);
  const later = await store.append(streamName('later'), newEvents(1), 'no_stream');
  t.same(await store.readAll(), [], 'held back by the forgotten transaction');
  const all = await waitUntil(
    'an event readable',
    async () => {
      const events = await store.readAll();
      return events.length > 0 && events;
    },
    { timeoutMs: 10_000 },
  );
  t.same(
    all.map((e) => e.position),
    [later.position],
    'after the timeout the forgotten transaction is rolled back and the later append is readable',
  );
  client.release(new Error('terminated by the server'));
});

t.test('sessions terminated by the server are replaced by the pool', async (t) => {
  const { store, url } = await setup(t, { applicationName: 'es-terminate-me' });
  const stream = streamName('terminate');
  await store.append(stream, newEvents(1), 'no_stream');
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  t.teardown(() => admin.end());
  const { rowCount } = await admin.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'es-terminate-me' AND datname = current_database()`,
  );
  t.ok((rowCount ?? 0) > 0, 'store sessions terminated (57P01)');
  await waitUntil('the pool to drop the terminated sessions', () => store.pool.totalCount === 0, { timeoutMs: 10_000 });
  t.equal(store.pool.totalCount, 0, 'the pool has dropped the terminated sessions');
  t.equal((await store.append(stream, newEvents(1), 0)).next_revision, 1, 'the next append succeeds');
});

t.test('subscription limit ends the iterator; falling behind reports catch-up again', async (t) => {
  const { store } = await setup(t);
  const stream = streamName('sub');
  await store.append(stream, newEvents(5), 'no_stream');

  const limited: RecordedEvent[] = [];
  for await (const batch of store.subscribe({ limit: 3, batch_size: 2 })) limited.push(...batch);
  t.same(
    limited.map((e) => e.revision),
    [0, 1, 2],
    'limit caps the events delivered, then the iterator ends',
  );

  const controller = new AbortController();
  t.teardown(() => controller.abort());
  let caughtUp = 0;
  let total = 0;
  const run = (async () => {
    for await (const batch of store.subscribe({
      batch_size: 2,
      signal: controller.signal,
      on_caught_up: () => caughtUp++,
    })) {
      total += batch.length;
      if (total > 5 && total < 12) t.equal(caughtUp, 1, 'not reported while catching up with the burst');
    }
  })();
  while (caughtUp < 1) await sleep(10);
  t.equal(total, 5, 'caught up after the existing events');
  await store.append(stream, newEvents(7), 4); // more than a batch: the subscriber falls behind
  while (caughtUp < 2) await sleep(10);
  t.equal(total, 12, 'reported again once the burst is read');
  controller.abort();
  await run;
});

t.test('an unknown option combination fails fast', async (t) => {
  t.throws(() => createPostgresEventStore({}), TypeError, 'needs a connection string or a pool');
});

t.test('stream reads run as prepared statements, one per text, schemas apart on one pool', async (t) => {
  const db = await createTestDatabase('es_prepared');
  // One connection: the statements prepared by the reads are visible to the next query.
  const pool = new pg.Pool({ connectionString: db.url, max: 1 });
  t.teardown(async () => {
    await pool.end();
    await db.drop();
  });
  const a = createPostgresEventStore({ pool, schema: 'prep_a' });
  const b = createPostgresEventStore({ pool, schema: 'prep_b' });
  await a.migrate();
  await b.migrate();
  const stream = streamName('prepared');
  await a.append(stream, newEvents(3), 'no_stream');
  await b.append(stream, newEvents(1), 'no_stream');
  for (let i = 0; i < 3; i++) {
    t.equal((await a.readStream(stream)).length, 3, 'schema a reads its stream');
    t.equal((await b.readStream(stream)).length, 1, 'schema b reads its own');
    t.equal(
      (await a.readStream(stream, { direction: 'backwards', limit: 1 }))[0]?.revision,
      2,
      'backwards from the end',
    );
  }
  const { rows } = await pool.query<{ statement: string }>(
    "SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%WHERE stream = $1%' ORDER BY statement",
  );
  t.equal(rows.length, 3, 'forwards in each schema and backwards in one: each text prepared once');
  t.ok(
    rows.some((r) => r.statement.includes('"prep_b"')),
    'the other schema has its own statement',
  );
});

t.test('a shared pool stays open when the store closes', async (t) => {
  const db = await createTestDatabase('es_shared_pool');
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  // The pool ends before the database is dropped: dropping it terminates the pool's idle
  // connections, which a pool without an 'error' listener raises as an uncaught error.
  t.teardown(async () => {
    await pool.end();
    await db.drop();
  });
  const store = createPostgresEventStore({ pool });
  await store.migrate();
  const id = randomUUID();
  await store.append(streamName('shared'), [{ ...newEvents(1)[0]!, id }], 'no_stream');
  await store.close();
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM event_store.events WHERE id = $1', [id]);
  t.equal(rows[0].n, 1, 'the caller can still use its pool');
  await t.rejects(store.ping(), /closed/, 'the closed store refuses work');
});

t.test('closing the store ends its running subscriptions', async (t) => {
  const db = await createTestDatabase('es_close');
  t.teardown(db.drop);
  const store = createPostgresEventStore({ connectionString: db.url });
  await store.migrate();
  let caughtUp = false;
  const run = (async () => {
    for await (const _ of store.subscribe({ on_caught_up: () => (caughtUp = true) })) {
      // nothing appended
    }
  })();
  while (!caughtUp) await sleep(10);
  await store.close();
  await t.resolves(run, 'the subscription loop finishes without error');
});

t.test('readShard cuts the log up to a position into disjoint parts by stream, each in log order', async (t) => {
  const { store } = await setup(t);
  // Fixed names (the database is this test's own): which part a stream falls in is then the same in
  // every run, and these twelve fall in all three (random names leave a part empty now and then).
  const streams = Array.from({ length: 12 }, (_, i) => `shard-${i}`);
  for (let round = 0; round < 3; round++) {
    for (const stream of streams) await store.append(stream, newEvents(2), round === 0 ? 'no_stream' : 'any');
  }
  // Other test files share the server: a transaction of theirs may hold the horizon a moment longer.
  const all = await waitUntil(
    'every event readable',
    async () => {
      const events = await store.readAll();
      return events.length === streams.length * 6 && events;
    },
    { timeoutMs: 10_000 },
  );
  t.equal(all.length, streams.length * 6, 'every event appended is readable');
  const until = all[all.length - 5]!.position;
  // Appended after `until`: no part may hold them.
  await store.append(streams[0]!, newEvents(1), 'any');
  const parts: RecordedEvent[][] = [];
  for (let shard = 0; shard < 3; shard++) {
    const part: RecordedEvent[] = [];
    for (let after: string | null = null; ; ) {
      const page = await store.readShard({ after, until, shard, shards: 3, limit: 4 });
      if (page.length === 0) break;
      part.push(...page);
      after = page[page.length - 1]!.position;
    }
    parts.push(part);
  }
  const expected = all.slice(0, all.length - 4).map((e) => e.id);
  t.same(
    parts
      .flat()
      .map((e) => e.id)
      .sort(),
    [...expected].sort(),
    'together: every event up to `until` once',
  );
  for (const [shard, part] of parts.entries()) {
    t.ok(part.length > 0 && part.length < expected.length, `part ${shard} holds some of them (${part.length})`);
    const order = all.map((e) => e.id);
    const indexes = part.map((e) => order.indexOf(e.id));
    t.same(
      indexes,
      [...indexes].sort((a, b) => a - b),
      `part ${shard} is in log order`,
    );
    const inOthers = parts
      .filter((_, i) => i !== shard)
      .flat()
      .map((e) => e.stream);
    t.notOk(
      part.some((e) => inOthers.includes(e.stream)),
      `part ${shard}'s streams are in no other part`,
    );
  }
  await t.rejects(store.readShard({ until, shard: 3, shards: 3 }), RangeError, 'a shard out of range');
  await t.rejects(store.readShard({ until: 'nonsense', shard: 0, shards: 2 }), TypeError, 'a malformed position');
});
