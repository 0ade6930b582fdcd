/**
 * The no-skip proof. Appenders run concurrently on separate connections; some hold their
 * transaction open after taking their positions while later appenders commit. Subscribers run
 * throughout and must receive every committed event exactly once, in global order, and nothing
 * that rolled back. A naive reader that orders by the sequence alone runs beside them and is shown
 * to skip events in the same runs: the hazard is real, the adapter avoids it.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, waitUntil } from '@publisher/testing';
import pg from 'pg';
import t, { type Test } from 'tap';
import {
  comparePositions,
  createPostgresEventStore,
  type NewEvent,
  type PostgresEventStore,
  type RecordedEvent,
} from '../src/index.ts';
import { metadata } from './contract/fixtures.ts';

const ROUNDS = 250;
const HOLDERS = 3; // raw transactions held open per round (one of them rolls back)
const QUICK = 6; // adapter appends per round that commit while the holders wait
const STREAMS = 10;

function events(count: number): NewEvent[] {
  return Array.from({ length: count }, () => ({
    id: randomUUID(),
    type: 'NoSkipProbe',
    data: { at: Date.now() },
    metadata: metadata(),
  }));
}

/** On failure: where the missing events sit in the final log, next to what the subscriber got. */
async function explainMissing(t: Test, name: string, received: RecordedEvent[], missing: Set<string>, store = current) {
  if (!store) return;
  const log: RecordedEvent[] = [];
  for (let page = await store.readAll({ limit: 1000 }); page.length > 0; ) {
    log.push(...page);
    page = await store.readAll({ after: page[page.length - 1]!.position, limit: 1000 });
  }
  const got = new Set(received.map((e) => e.id));
  // Readers stop at the oldest running transaction: name it if one is holding them back.
  const { rows: blockers } = await store.pool.query(
    `SELECT pid, datname, application_name, state, backend_xid::text, now() - xact_start AS age, left(query, 80) AS query
       FROM pg_stat_activity WHERE backend_xid IS NOT NULL ORDER BY age(backend_xid) DESC LIMIT 5`,
  );
  for (const b of blockers) t.comment(`open transaction: ${JSON.stringify(b)}`);
  const firstMissing = log.findIndex((e) => missing.has(e.id));
  t.comment(
    `${name}: ${missing.size} missing; received ${received.length}, last ${received.at(-1)?.position}; log ${log.length}`,
  );
  for (const e of log.slice(Math.max(0, firstMissing - 5), firstMissing + 10)) {
    t.comment(`${e.position} ${e.stream.slice(0, 12)} r${e.revision} ${got.has(e.id) ? 'got' : 'MISSING'}`);
  }
}
let current: PostgresEventStore | null = null;

t.test(`no-skip: ${ROUNDS} rounds × ${HOLDERS + QUICK} concurrent appenders, late commits never skipped`, async (t) => {
  const db = await createTestDatabase('es_no_skip');
  t.teardown(db.drop);
  const store = createPostgresEventStore({ connectionString: db.url, pollIntervalMs: 50, poolSize: QUICK + 2 });
  t.teardown(() => store.close());
  await store.migrate();
  current = store;

  // Holders: one dedicated connection each, so their open transactions overlap the quick appends.
  const holders = await Promise.all(
    Array.from({ length: HOLDERS }, async () => {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      return c;
    }),
  );
  t.teardown(() => Promise.all(holders.map((c) => c.end())));
  const naive = new pg.Client({ connectionString: db.url });
  await naive.connect();
  t.teardown(() => naive.end());

  const streams = Array.from({ length: STREAMS }, (_, i) => `no-skip-${i}-${randomUUID()}`);
  const committed = new Set<string>();
  const rolledBack = new Set<string>();

  // Subscribers: one from the start, one started halfway (it catches up while appends continue).
  const controller = new AbortController();
  t.teardown(() => controller.abort());
  const subscribe = (received: RecordedEvent[]) =>
    (async () => {
      for await (const batch of store.subscribe({ batch_size: 7, signal: controller.signal })) received.push(...batch);
    })();
  const early: RecordedEvent[] = [];
  const late: RecordedEvent[] = [];
  const running = [subscribe(early)];

  // The naive reader: "everything with a greater sequence value than the last one I saw".
  let naiveCheckpoint = 0n;
  const naiveSeen = new Set<string>();
  const naivePoll = async () => {
    const { rows } = await naive.query<{ id: string; position: string }>(
      'SELECT id, position FROM event_store.events WHERE position > $1 ORDER BY position',
      [naiveCheckpoint.toString()],
    );
    for (const r of rows) {
      naiveSeen.add(r.id);
      naiveCheckpoint = BigInt(r.position);
    }
  };

  for (let round = 0; round < ROUNDS; round++) {
    if (round === ROUNDS / 2) running.push(subscribe(late));
    // Distinct streams per appender within a round: an open holder locks its stream's row, so a
    // quick append to the same stream would wait for it (that is the per-stream serialisation).
    const order = [...streams].sort(() => Math.random() - 0.5);
    // 1. Holders append inside an explicit transaction: transaction id and positions are taken now.
    const held = await Promise.all(
      holders.map(async (c, i) => {
        const batch = events(1 + (i % 2));
        await c.query('BEGIN');
        await c.query('SELECT * FROM event_store.append_to_stream($1, $2, $3)', [
          order[i],
          -2, // any
          JSON.stringify(batch),
        ]);
        return { c, batch, rollback: i === 0 && round % 2 === 0 };
      }),
    );
    // 2. Later appends commit first, on other connections, with greater positions.
    const quick = await Promise.all(
      Array.from({ length: QUICK }, async (_, i) => {
        const batch = events(1 + (i % 3));
        await store.append(order[HOLDERS + i]!, batch, 'any');
        return batch;
      }),
    );
    for (const b of quick) for (const e of b) committed.add(e.id);
    // 3. The naive reader looks now and moves its checkpoint past the held positions.
    await naivePoll();
    // 4. Holders finish at staggered times, the subscribers reading meanwhile.
    await Promise.all(
      held.map(async ({ c, batch, rollback }, i) => {
        await sleep(5 + ((round + i * 13) % 40));
        await c.query(rollback ? 'ROLLBACK' : 'COMMIT');
        for (const e of batch) (rollback ? rolledBack : committed).add(e.id);
      }),
    );
  }
  await naivePoll();

  // A last event after everything: subscribers deliver in log order, so once both have it, all
  // they will ever deliver before it (duplicates included) is in, with no guessed settle time.
  const [last] = events(1);
  await store.append(streams[0]!, [last!], 'any');
  const hasLast = (received: RecordedEvent[]) => received.some((e) => e.id === last!.id);
  await waitUntil('both subscribers to deliver the last event', () => hasLast(early) && hasLast(late));
  controller.abort();
  await Promise.all(running);
  for (const received of [early, late]) {
    const at = received.findIndex((e) => e.id === last!.id);
    if (at >= 0) received.splice(at, 1);
  }

  for (const [name, received] of [
    ['subscriber running throughout', early],
    ['subscriber started halfway', late],
  ] as const) {
    const ids = new Set(received.map((e) => e.id));
    t.equal(ids.size, received.length, `${name}: no event twice`);
    t.equal([...ids].filter((id) => !committed.has(id)).length, 0, `${name}: nothing uncommitted or rolled back`);
    const missing = [...committed].filter((id) => !ids.has(id));
    t.equal(missing.length, 0, `${name}: every committed event received`);
    if (missing.length > 0) await explainMissing(t, name, received, new Set(missing));
    t.equal(received.length, committed.size, `${name}: ${committed.size} events`);
    t.ok(
      received.every((e, i) => i === 0 || comparePositions(received[i - 1]!.position, e.position) < 0),
      `${name}: in strictly increasing global order`,
    );
    const lastRevision = new Map<string, number>();
    t.ok(
      received.every((e) => {
        const ok = (lastRevision.get(e.stream) ?? -1) === e.revision - 1;
        lastRevision.set(e.stream, e.revision);
        return ok;
      }),
      `${name}: each stream's revisions in order without gaps`,
    );
  }

  const naiveMissed = [...committed].filter((id) => !naiveSeen.has(id)).length;
  t.ok(naiveMissed > 0, `a reader ordering by sequence alone skipped ${naiveMissed} committed events`);
  t.ok(rolledBack.size > 0 && committed.size > 0, `${committed.size} committed, ${rolledBack.size} rolled back`);
});
