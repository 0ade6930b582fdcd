/**
 * Stream reads of concurrent callers in the PostgreSQL adapter: with the slots busy, reads queue and
 * go as one statement, and each caller gets exactly what its own read alone would give — its
 * stream, direction, bound and limit — or, when the batch fails for a reason other than the
 * connection, its own read's outcome.
 */
import { createTestDatabase } from '@publisher/testing';
import pg from 'pg';
import t from 'tap';
import { createPostgresEventStore, type ReadStreamOptions, type RecordedEvent } from '../src/index.ts';
import { readStreamEvents } from '../src/postgres/reads.ts';
import { StreamReadBatcher } from '../src/postgres/stream-reads.ts';
import { newEvents, streamName } from './contract/fixtures.ts';

const db = await createTestDatabase('es_stream_reads');
t.teardown(db.drop);
const store = createPostgresEventStore({ connectionString: db.url });
t.teardown(() => store.close());
await store.migrate();

const streams = [streamName('a'), streamName('b'), streamName('c')];
for (const [i, stream] of streams.entries()) await store.append(stream, newEvents(3 + i * 2), 'no_stream');

/** Reads of every kind the port takes, over three streams, an unknown one and an odd name. */
const reads: Array<[string, ReadStreamOptions | undefined]> = [];
for (const stream of [...streams, streamName('unknown'), 'no\u0000stream']) {
  reads.push(
    [stream, undefined],
    [stream, { limit: 2 }],
    [stream, { from: 1 }],
    [stream, { from: 2, limit: 1 }],
    [stream, { direction: 'backwards' }],
    [stream, { direction: 'backwards', limit: 1 }],
    [stream, { direction: 'backwards', from: 1 }],
    [stream, { direction: 'backwards', from: 'end', limit: 2 }],
    [stream, { from: 'end' }],
    [stream, { limit: 0 }],
  );
}

const summary = (events: RecordedEvent[]) => events.map((e) => `${e.stream}#${e.revision}:${e.id}`);

/** A pool that counts the statements it runs (and can fail the batched ones). */
function countingPool(failBatches = false) {
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  const sent: string[] = [];
  const query = ((config: pg.QueryConfig) => {
    const batched = config.text.includes('unnest');
    sent.push(batched ? 'batch' : 'single');
    if (batched && failBatches) return Promise.reject(Object.assign(new Error('batch refused'), { code: '22003' }));
    return pool.query(config);
  }) as pg.Pool['query'];
  return { pool: Object.assign(Object.create(pool), { query }) as pg.Pool, sent, end: () => pool.end() };
}

t.test('concurrent reads go as one batch; each gets what it would alone', async (t) => {
  const alone: string[][] = [];
  for (const [stream, options] of reads) alone.push(summary(await store.readStream(stream, options)));
  t.ok(
    alone.some((r) => r.length > 1),
    'the reads return events',
  );

  const counting = countingPool();
  t.teardown(counting.end);
  const batcher = new StreamReadBatcher({ pool: counting.pool, schemaSql: 'event_store', maxInFlight: 1 });
  const together = await Promise.all(reads.map(([stream, options]) => readStreamEvents(batcher, stream, options)));
  t.same(together.map(summary), alone, 'every read, batched, returns what it returns alone');
  t.ok(
    counting.sent.includes('batch'),
    `reads queued behind a busy slot went as a batch (${counting.sent.join(', ')})`,
  );
  t.ok(counting.sent.length < 10, `${reads.length} reads took ${counting.sent.length} statements`);
});

t.test('a batch refused for another reason than the connection: each read runs alone', async (t) => {
  const counting = countingPool(true);
  t.teardown(counting.end);
  const batcher = new StreamReadBatcher({ pool: counting.pool, schemaSql: 'event_store', maxInFlight: 1 });
  const got = await Promise.all(streams.map((s) => batcher.read({ stream: s, bound: 0, limit: null }, false)));
  t.same(
    got.map((events) => events.length),
    [3, 5, 7],
    'every read answered',
  );
  t.same(counting.sent, ['single', 'batch', 'single', 'single'], 'the refused batch, then its reads one by one');
});

t.test('a lost connection fails the batch’s reads (503 at the APIs), not a retry per read', async (t) => {
  const pool = new pg.Pool({ connectionString: db.url, max: 1 });
  t.teardown(() => pool.end());
  let calls = 0;
  const query = ((config: pg.QueryConfig) => {
    calls++;
    if (config.text.includes('unnest')) return Promise.reject(Object.assign(new Error('lost'), { code: 'ECONNRESET' }));
    return pool.query(config);
  }) as pg.Pool['query'];
  const batcher = new StreamReadBatcher({
    pool: Object.assign(Object.create(pool), { query }) as pg.Pool,
    schemaSql: 'event_store',
    maxInFlight: 1,
  });
  const results = await Promise.allSettled(
    streams.map((s) => batcher.read({ stream: s, bound: 0, limit: null }, false)),
  );
  t.same(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'rejected'],
    'the lone first read answered; both batched reads failed',
  );
  t.equal(calls, 2, 'no read was retried alone');
});
