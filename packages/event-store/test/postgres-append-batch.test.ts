/**
 * Group commit in the PostgreSQL adapter: appends queued behind a busy slot go as one batched call
 * (they share one transaction id), yet each keeps the semantics of a single append — its own
 * version check, its own conflict, its own failure.
 *
 * With `appendConcurrency: 1`, appends started together are sent as: the first one alone, then all
 * the others as one batch once it returns.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay, setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase } from '@publisher/testing';
import pg from 'pg';
import t, { type Test } from 'tap';
import { DuplicateEventIdError } from '../src/errors.ts';
import {
  type AppendResult,
  createPostgresEventStore,
  decodePosition,
  isWrongExpectedVersion,
  type PostgresEventStore,
} from '../src/index.ts';
import { newEvents, readAllOf, streamName, waitForHead } from './contract/fixtures.ts';

async function setup(t: Test, appendConcurrency = 1): Promise<PostgresEventStore & { url: string }> {
  const db = await createTestDatabase('es_batch');
  t.teardown(db.drop);
  const store = createPostgresEventStore({ connectionString: db.url, pollIntervalMs: 50, appendConcurrency });
  t.teardown(() => store.close());
  await store.migrate();
  return Object.assign(store, { url: db.url });
}

const txidOf = (r: AppendResult) => decodePosition(r.position).high;

/** Occupies the single slot, so whatever is appended right after it queues and goes as one batch. */
function blocker(store: PostgresEventStore): Promise<AppendResult> {
  return store.append(streamName('blocker'), newEvents(1), 'no_stream');
}

t.test('queued appends to different streams commit as one transaction, each with its own result', async (t) => {
  const store = await setup(t);
  // Names that need quoting in an array literal travel intact.
  const odd = ['NULL', 'a "quoted", {braced} \\ name', 'ünï-çødé 🚀'];
  const streams = Array.from({ length: 10 }, (_, i) => streamName(`mixed-${i}-${odd[i % 3]}`));
  const existing = streams.slice(0, 5);
  for (const s of existing) await store.append(s, newEvents(2), 'no_stream');

  const first = blocker(store);
  const appends = streams.map((s, i) =>
    store.append(s, newEvents(i % 3 === 0 ? 3 : 1, 'Batched', i * 10), i < 5 ? 1 : 'no_stream'),
  );
  const results = await Promise.all(appends);
  await first;

  t.equal(new Set(results.map(txidOf)).size, 1, 'all ten were committed by one transaction');
  t.not(txidOf(results[0]!), txidOf(await first), 'separately from the append that was in flight');
  t.same(
    results.map((r) => r.next_revision),
    streams.map((_, i) => (i < 5 ? 1 : -1) + (i % 3 === 0 ? 3 : 1)),
    'each append got its own stream revision',
  );
  for (const [i, s] of streams.entries()) {
    const events = await store.readStream(s);
    const batched = events.filter((e) => e.type === 'Batched');
    t.same(
      batched.map((e) => e.data.n),
      Array.from({ length: i % 3 === 0 ? 3 : 1 }, (_, k) => i * 10 + k),
      `stream ${i} holds exactly its own events, in order`,
    );
    t.equal(batched.at(-1)?.position, results[i]!.position, `stream ${i}: the returned position is its last event's`);
  }
  const last = results.reduce((a, b) => (a.position > b.position ? a : b));
  await waitForHead(store, last.position);
  const log = await readAllOf(store, new Set(streams), null);
  t.same(
    log
      .filter((e) => e.type === 'Batched')
      .map((e) => e.data.n)
      .sort((a, b) => Number(a) - Number(b)),
    streams.flatMap((_, i) => Array.from({ length: i % 3 === 0 ? 3 : 1 }, (_, k) => i * 10 + k)),
    'the global log has every batched event once',
  );
});

t.test('conflicts inside one batch fail only the conflicting appends', async (t) => {
  const store = await setup(t);
  const x = streamName('x');
  const y = streamName('y');
  await store.append(x, newEvents(1), 'no_stream'); // x at revision 0

  const first = blocker(store);
  const settled = await Promise.allSettled([
    store.append(x, newEvents(1, 'A'), 0), // wins: x → 1
    store.append(x, newEvents(1, 'B'), 0), // loses to A within the same batch
    store.append(y, newEvents(1, 'C'), 'no_stream'), // another stream: unaffected
    store.append(x, newEvents(1, 'D'), 1), // follows A within the same batch: x → 2
    store.append(y, newEvents(1, 'E'), 'no_stream'), // y was created by C just before
    store.append(streamName('z'), newEvents(1, 'F'), 5), // no such stream
  ]);
  await first;

  const [a, b, c, d, e, f] = settled;
  t.equal(a?.status === 'fulfilled' && a.value.next_revision, 1, 'first append on x succeeds');
  t.ok(b?.status === 'rejected' && isWrongExpectedVersion(b.reason), 'second with the same expectation conflicts');
  t.match(b?.status === 'rejected' && b.reason, { expected: 0, actual: 1 }, 'naming the revision the first made');
  t.equal(c?.status === 'fulfilled' && c.value.next_revision, 0, 'creating y succeeds');
  t.equal(
    d?.status === 'fulfilled' && d.value.next_revision,
    2,
    'an append expecting the batch-mate’s revision succeeds',
  );
  t.match(e?.status === 'rejected' && e.reason, { code: 'WRONG_EXPECTED_VERSION', actual: 0 }, 'y exists now');
  t.match(f?.status === 'rejected' && f.reason, { code: 'WRONG_EXPECTED_VERSION', actual: 'no_stream' }, 'z does not');
  if (a?.status === 'fulfilled' && c?.status === 'fulfilled' && d?.status === 'fulfilled') {
    t.equal(new Set([a.value, c.value, d.value].map(txidOf)).size, 1, 'the successes share one transaction');
  }
  t.same(
    (await store.readStream(x)).map((e) => e.type),
    ['ThingHappened', 'A', 'D'],
    'x holds only what succeeded',
  );
  t.same(
    (await store.readStream(y)).map((e) => e.type),
    ['C'],
    'y holds only what succeeded',
  );
});

t.test('a failing member fails alone: the batch falls back to one append at a time', async (t) => {
  const store = await setup(t);
  const used = newEvents(1);
  const elsewhere = streamName('elsewhere');
  await store.append(elsewhere, used, 'no_stream');
  const resent = streamName('resent');
  const original = await store.append(resent, newEvents(2), 'no_stream');
  const resentEvents = (await store.readStream(resent)).map((e) => ({
    id: e.id,
    type: e.type,
    data: e.data,
    metadata: e.metadata,
  }));

  const good = Array.from({ length: 4 }, (_, i) => streamName(`good-${i}`));
  const first = blocker(store);
  const settled = await Promise.allSettled([
    store.append(good[0]!, newEvents(1), 'no_stream'),
    // PostgreSQL's jsonb cannot hold \u0000: this append fails in the database.
    store.append(streamName('nul'), [{ ...newEvents(1)[0]!, data: { text: 'a\u0000b' } }], 'no_stream'),
    store.append(good[1]!, newEvents(1), 'no_stream'),
    // An event id already stored in another stream: DUPLICATE_EVENT_ID.
    store.append(streamName('dup'), used, 'no_stream'),
    store.append(good[2]!, newEvents(1), 'no_stream'),
    // A re-sent append: answered with its original result, nothing stored.
    store.append(resent, resentEvents, 'no_stream'),
    store.append(good[3]!, newEvents(1), 'no_stream'),
  ]);
  await first;

  const [g0, nul, g1, dup, g2, again, g3] = settled;
  for (const [i, s] of [g0, g1, g2, g3].entries()) {
    t.equal(s?.status, 'fulfilled', `good append ${i} succeeds`);
    t.equal((await store.readStream(good[i]!)).length, 1, `good append ${i} stored its event once`);
  }
  t.equal(nul?.status, 'rejected', 'the append the database refuses fails');
  t.notOk(nul?.status === 'rejected' && isWrongExpectedVersion(nul.reason), 'with its own error, not a conflict');
  t.ok(
    dup?.status === 'rejected' && dup.reason instanceof DuplicateEventIdError,
    'the reused event id → DUPLICATE_EVENT_ID',
  );
  t.same(again?.status === 'fulfilled' && again.value, original, 'the re-sent append returns the original result');
  t.equal((await store.readStream(resent)).length, 2, 'and stored nothing');
  t.equal((await store.readStream(elsewhere)).length, 1, 'the other stream is unchanged');
});

t.test('blind appends are never batched and keep each stream in order in the global log', async (t) => {
  const store = await setup(t);
  const s = streamName('blind');
  const exact = streamName('exact');
  await store.append(exact, newEvents(1), 'no_stream');
  const first = blocker(store);
  const results = await Promise.all([
    store.append(exact, newEvents(1), 0),
    ...Array.from({ length: 6 }, (_, i) => store.append(s, newEvents(1, 'Blind', i), 'any')),
    store.append(exact, newEvents(1), 1),
  ]);
  await first;
  const blind = results.slice(1, 7);
  t.equal(new Set(blind.map(txidOf)).size, 6, 'each blind append was its own transaction');
  t.equal(txidOf(results[0]!), txidOf(results[7]!), 'while the exact ones were batched together');
  await waitForHead(store, blind.reduce((a, b) => (a.position > b.position ? a : b)).position);
  const log = await readAllOf(store, new Set([s]), null);
  t.same(
    log.map((e) => e.revision),
    [0, 1, 2, 3, 4, 5],
    "the blind stream's revisions are in global order",
  );
});

t.test('many writers through a small slot count: every append accounted for, no deadlock', async (t) => {
  const store = await setup(t, 2);
  // Two stores (two "processes") on one database, batching into overlapping streams.
  const other = createPostgresEventStore({ connectionString: store.url, appendConcurrency: 2 });
  t.teardown(() => other.close());
  const streams = Array.from({ length: 8 }, () => streamName('shared'));
  for (const s of streams) await store.append(s, newEvents(1), 'no_stream');
  let conflicts = 0;
  const writer = async (s: PostgresEventStore, n: number) => {
    for (let i = 0; i < 60; i++) {
      const stream = streams[(n + i) % streams.length]!;
      const events = await s.readStream(stream);
      try {
        await s.append(stream, [{ ...newEvents(1)[0]!, id: randomUUID() }], events.at(-1)!.revision);
      } catch (err) {
        if (!isWrongExpectedVersion(err)) throw err;
        conflicts++;
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, (_, n) => writer(n % 2 ? other : store, n)));
  let stored = 0;
  for (const s of streams) {
    const events = await store.readStream(s);
    t.same(
      events.map((e) => e.revision),
      events.map((_, i) => i),
      'revisions gap-free',
    );
    stored += events.length - 1;
  }
  t.equal(stored + conflicts, 16 * 60, 'every append either stored or refused with a conflict');
});

t.test('the queue is bounded in bytes: beyond it an append fails at once, the queued ones commit', async (t) => {
  const db = await createTestDatabase('es_batch_queue');
  t.teardown(db.drop);
  const store = createPostgresEventStore({
    connectionString: db.url,
    appendConcurrency: 1,
    maxQueuedAppendBytes: 5000,
  });
  t.teardown(() => store.close());
  await store.migrate();
  // Holds every insert back, so the first append stays in flight and the next ones queue.
  const lock = new pg.Client({ connectionString: db.url });
  await lock.connect();
  t.teardown(() => lock.end());
  await lock.query('BEGIN');
  await lock.query(`LOCK TABLE ${store.schema}.events IN EXCLUSIVE MODE`);

  const big = () => newEvents(1).map((e) => ({ ...e, data: { text: 'x'.repeat(1000) } }));
  const inFlight = store.append(streamName('first'), big(), 'no_stream');
  await sleep(100);
  const queued: Array<Promise<AppendResult>> = [];
  const refused: unknown[] = [];
  for (let i = 0; i < 8; i++) {
    const started = Date.now();
    const attempt = store.append(streamName(`queued-${i}`), big(), 'no_stream');
    const early = await Promise.race([
      attempt.then(
        () => 'ok',
        (e: unknown) => e,
      ),
      delay(50).then(() => 'waiting'),
    ]);
    if (early === 'waiting') queued.push(attempt);
    else {
      refused.push(early);
      t.ok(Date.now() - started < 50, 'refused at once, not after waiting');
    }
  }
  const size = JSON.stringify(
    big().map((e) => ({ id: e.id, type: e.type, data: e.data, metadata: e.metadata })),
  ).length;
  t.equal(queued.length, Math.floor(5000 / size), `5000 bytes of appends wait (${size} bytes each)`);
  t.equal(refused.length, 8 - queued.length);
  for (const err of refused) t.match(err, { code: 'APPEND_QUEUE_FULL' });

  await lock.query('COMMIT');
  await inFlight;
  t.equal((await Promise.all(queued)).length, queued.length, 'the queued appends commit once PostgreSQL moves again');
  t.ok(await store.append(streamName('after'), big(), 'no_stream'), 'and new appends are accepted');
});
