import { createTestDatabase } from '@publisher/testing';
import pg from 'pg';
import t from 'tap';
import { poolRowSource } from '../src/batched-reader.ts';

/* The batched reader's statements on a real pool: rows handed over one by one, connections given back. */

const database = await createTestDatabase('read_model_row_source');
t.teardown(database.drop);
const pool = new pg.Pool({ connectionString: database.url, max: 1 });
t.teardown(() => pool.end());
// A released connection's later errors (its socket closing) go to the pool's handler, as in the read
// model's pools, which log them; here they are expected and dropped.
const ignore = () => {};
pool.on('error', ignore);
const source = poolRowSource(pool);

t.test('hands over each row, parsed, in the order the statement returns them', async (t) => {
  const rows: unknown[] = [];
  const done = await source.stream(
    {
      name: 'rs_series',
      text: 'SELECT g AS n, $1::text || g AS label FROM generate_series(1, 3) g ORDER BY g',
      values: ['#'],
    },
    (row) => rows.push(row),
  );
  t.equal(done, undefined);
  t.same(rows, [
    { n: 1, label: '#1' },
    { n: 2, label: '#2' },
    { n: 3, label: '#3' },
  ]);
  t.equal(pool.idleCount, 1, 'the connection is back in the pool');
});

t.test('a failing statement rejects with the database error and its connection is dropped', async (t) => {
  await t.rejects(
    source.stream(
      { name: 'rs_fail', text: 'SELECT 1 / (g - 2) AS n FROM generate_series(1, 3) g', values: [] },
      () => {},
    ),
    { code: '22012' },
  );
  t.equal(pool.totalCount, 0, 'not handed to the next statement');
  const after: unknown[] = [];
  await source.stream({ name: 'rs_after', text: 'SELECT 1 AS n', values: [] }, (row) => after.push(row));
  t.same(after, [{ n: 1 }], 'the pool goes on with a new connection');
});

t.test('a connection lost while checked out rejects its statement instead of crashing the process', async (t) => {
  const acquired: pg.PoolClient[] = [];
  const onAcquire = (client: pg.PoolClient) => acquired.push(client);
  pool.on('acquire', onAcquire);
  t.teardown(() => pool.off('acquire', onAcquire));
  const running = source.stream({ name: 'rs_sleep', text: 'SELECT pg_sleep(30) AS n', values: [] }, () => {});
  const outcome = running.then(
    () => 'completed',
    (err: unknown) => err,
  );
  await new Promise((r) => setTimeout(r, 50));
  // The socket closes without a word from the server: `pg` reports it as the client's 'error' event.
  (acquired[0] as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
  t.match(await outcome, { message: /terminated unexpectedly/ });
  t.equal(pool.totalCount, 0, 'the dead connection is not kept');
});

t.test('a row the caller cannot take fails the statement; no further row is handed over', async (t) => {
  const rows: unknown[] = [];
  const failure = new Error('not this one');
  await t.rejects(
    source.stream(
      {
        name: 'rs_series',
        text: 'SELECT g AS n, $1::text || g AS label FROM generate_series(1, 3) g ORDER BY g',
        values: ['#'],
      },
      (row) => {
        rows.push(row);
        if (rows.length === 2) throw failure;
      },
    ),
    failure,
  );
  t.equal(rows.length, 2);
  t.equal(pool.totalCount, 0, 'its connection is dropped');
});

t.test("pg's own client-side bound (query_timeout) ends the statement and drops its connection", async (t) => {
  const bounded = new pg.Pool({ connectionString: database.url, max: 1, query_timeout: 100 });
  bounded.on('error', ignore);
  t.teardown(() => bounded.end());
  const started = Date.now();
  await t.rejects(
    poolRowSource(bounded).stream({ name: 'rs_slow', text: 'SELECT pg_sleep(2) AS n', values: [] }, () => {}),
    /Query read timeout/,
  );
  t.ok(Date.now() - started < 1500, 'within its bound, not after the statement');
  t.equal(bounded.totalCount, 0, 'its connection is dropped');
});
